// The Fenod API Worker. Validates its bindings at start-up (the Fenod guide's rule:
// validate bindings, not process.env) and answers a health check and an enqueue call.
const REQUIRED_TEXT = ["STAGE", "BETTER_AUTH_URL", "BETTER_AUTH_SECRET"];

function checkEnv(env) {
  const missing = REQUIRED_TEXT.filter((k) => typeof env[k] !== "string" || env[k] === "");
  for (const b of ["DB", "UPLOADS", "CACHE", "EMAILS"]) if (!env[b]) missing.push(b);
  if (env.BETTER_AUTH_SECRET && env.BETTER_AUTH_SECRET.length < 32) missing.push("BETTER_AUTH_SECRET(min 32)");
  return missing;
}

export default {
  async fetch(request, env) {
    const missing = checkEnv(env);
    if (missing.length) return Response.json({ ok: false, missing }, { status: 500 });
    const url = new URL(request.url);
    if (url.pathname === "/health") {
      return Response.json({ ok: true, stage: env.STAGE, authUrl: env.BETTER_AUTH_URL });
    }
    if (url.pathname === "/signup" && request.method === "POST") {
      const { email } = await request.json();
      await env.EMAILS.send({ kind: "welcome", to: email });
      return Response.json({ queued: true }, { status: 202 });
    }
    return new Response("not found", { status: 404 });
  },
};
