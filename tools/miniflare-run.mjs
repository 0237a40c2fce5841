// Run a stage's Workers in Miniflare (workerd). Reads {options, serve?, port?, requests?, waitFor?}
// as JSON on stdin, never from a file, because options carry secret values.
//   serve:    listen on `port` until killed (fenod-infra dev)
//   requests: dispatch each [method, url, body?] to the first Worker, print JSON results (tests)
import { Miniflare } from "miniflare";

const input = JSON.parse(await new Promise((resolve) => {
  let data = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (c) => (data += c));
  process.stdin.on("end", () => resolve(data));
}));

const logs = [];
const capture = (stream) => stream.on("data", (chunk) => {
  for (const line of chunk.toString().split("\n")) {
    if (!line.trim()) continue;
    logs.push(line);
    if (input.serve) console.log(line);  // fenod-infra dev: show the Workers' console output live
  }
});
// Every Worker's outbound fetch is intercepted and logged (without headers' values): nothing
// leaves the machine, even in live mode.
const outboundService = (request) => {
  logs.push(`[outbound] ${request.method} ${request.url} auth=${request.headers.get("authorization") ? "yes" : "no"}`);
  if (input.serve) console.log(logs[logs.length - 1]);
  return new Response(JSON.stringify({ accepted: true }), { headers: { "content-type": "application/json" } });
};
const mf = new Miniflare({
  workers: input.options.workers.map((w) => ({ ...w, outboundService })),
  ...(input.serve ? { port: input.port ?? 8787, host: "127.0.0.1" } : {}),
  handleRuntimeStdio(stdout, stderr) { capture(stdout); capture(stderr); },
});

if (input.serve) {
  const url = await mf.ready;
  console.log(`fenod-infra dev: serving ${input.options.workers[0].name} at ${url}`);
  const stop = async () => { await mf.dispose(); process.exit(0); };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} else {
  const results = [];
  for (const [method, url, body] of input.requests ?? []) {
    const res = await mf.dispatchFetch(url, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    results.push({ status: res.status, body: await res.text() });
  }
  const deadline = Date.now() + 10000;
  while (input.waitFor && !logs.some((l) => l.includes(input.waitFor)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await mf.dispose();
  console.log(JSON.stringify({ results, logs }));
}
