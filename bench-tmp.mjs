import * as ort from 'onnxruntime-node';
const threads = Number(process.env.THREADS ?? 1);
const opts = { intraOpNumThreads: threads, graphOptimizationLevel: 'all' };
const files = process.argv.slice(2);
const ss = await Promise.all(files.map((f) => ort.InferenceSession.create(f, opts)));
const z = new ort.Tensor('float32', new Float32Array(16*9*16*16).map(() => Math.random()*2-1), [1,16,9,16,16]);
const t = files.map(() => []);
for (let i = 0; i < 16; i++) for (let k = 0; k < ss.length; k++) { const t0 = performance.now(); await ss[k].run({ latent: z }); t[k].push(performance.now() - t0); }
const med = (v) => v.slice(2).sort((x, y) => x - y)[Math.floor((v.length - 2) / 2)];
files.forEach((f, k) => console.log(f, med(t[k]).toFixed(1), (med(t[k]) / med(t[0])).toFixed(3)));
