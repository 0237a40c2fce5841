// Consumes the `emails` queue. In sandbox mode (dev, staging) it never calls the real
// provider: EMAIL_API_KEY is empty there and EMAIL_API_KEY_MODE says "sandbox".
export async function deliver(message, env, send = fetch) {
  if (env.EMAIL_API_KEY_MODE !== "live") {
    console.log(`[sandbox] would send ${message.kind} to ${message.to}`);
    return { sent: false, sandbox: true };
  }
  if (!env.EMAIL_API_KEY) throw new Error("EMAIL_API_KEY is not bound in live mode");
  const r = await send("https://api.email-provider.invalid/v1/send", {
    method: "POST",
    headers: { authorization: `Bearer ${env.EMAIL_API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(message),
  });
  return { sent: r.ok, sandbox: false };
}

export default {
  async queue(batch, env) {
    for (const msg of batch.messages) {
      await deliver(msg.body, env);
      msg.ack();
    }
  },
};
