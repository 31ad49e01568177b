import type { VideoView } from "@/lib/http/views";

/** The clip as the video and share pages show it: looping, muted so browsers let it autoplay. */
export function ClipPlayer({ video: v }: { video: VideoView }) {
  return (
    <video className="player" src={v.media.mp4} poster={v.media.poster ?? undefined} controls autoPlay loop muted playsInline width={v.width} height={v.height} />
  );
}
