/**
 * The data layer: every database call of the app goes through the functions exported here.
 * Object arguments throughout; `db` is optional (the process's connection by default) so
 * tests and scripts can point a call at their own file. Failures the caller should act on
 * are AppErrors with a code that maps to an HTTP status.
 */
export { getDb, openDb, type Db, type OpenDbOptions } from "./client";
export { AppError, ERROR_STATUS, isAppError, type AppErrorCode } from "./errors";
export { ID_PATTERN, isId, newId } from "./ids";
export { DEFAULT_DATABASE_URL, databaseFile } from "./url";
export * from "./jobs";
export * from "./limits";
export * from "./positions";
export * from "./queue-state";
export * from "./videos";
export * from "./workers";
export * from "./users";
export * from "./sessions";
export * from "./instance-settings";
export * from "./admin-jobs";
