"""Baseline for bench/plan_overhead.py: the staging reference app written by hand with pulumi_cloudflare."""

import pulumi
import pulumi_cloudflare as cf

acct = "0123456789abcdef0123456789abcdef"
zone = "fedcba9876543210fedcba9876543210"
opts = pulumi.ResourceOptions(protect=True)
db = cf.D1Database("d1-main", account_id=acct, name="fenod-main-staging", opts=opts)
bucket = cf.R2Bucket("r2-uploads", account_id=acct, name="fenod-uploads-staging", opts=opts)
kv = cf.WorkersKvNamespace("kv-cache", account_id=acct, title="fenod-cache-staging", opts=opts)
q = cf.Queue("queue-emails", account_id=acct, queue_name="fenod-emails-staging", opts=opts)
B = cf.WorkersScriptBindingArgs
server = cf.WorkersScript(
    "worker-server",
    account_id=acct,
    script_name="fenod-server-staging",
    content=open("../../workers/server/index.js").read(),
    main_module="index.js",
    compatibility_date="2025-06-01",
    bindings=[
        B(name="DB", type="d1", id=db.id),
        B(name="UPLOADS", type="r2_bucket", bucket_name=bucket.name),
        B(name="CACHE", type="kv_namespace", namespace_id=kv.id),
        B(name="EMAILS", type="queue", queue_name=q.queue_name),
        B(name="STAGE", type="plain_text", text="staging"),
        B(name="BETTER_AUTH_URL", type="plain_text", text="https://api.staging.example.com"),
        B(name="BETTER_AUTH_SECRET", type="secret_text", text=pulumi.Output.secret("x")),
        B(name="GOOGLE_CLIENT_SECRET", type="secret_text", text=pulumi.Output.secret("x")),
        B(name="GITHUB_CLIENT_SECRET", type="secret_text", text=pulumi.Output.secret("x")),
    ],
)
email = cf.WorkersScript(
    "worker-email-worker",
    account_id=acct,
    script_name="fenod-email-worker-staging",
    content=open("../../workers/email-worker/index.js").read(),
    main_module="index.js",
    compatibility_date="2025-06-01",
    bindings=[
        B(name="STAGE", type="plain_text", text="staging"),
        B(name="EMAIL_API_KEY_MODE", type="plain_text", text="sandbox"),
        B(name="EMAIL_API_KEY", type="secret_text", text=""),
    ],
)
cf.WorkersScriptSubdomain("subdomain-server", account_id=acct, script_name=server.script_name, enabled=False)
cf.WorkersScriptSubdomain(
    "subdomain-email-worker", account_id=acct, script_name=email.script_name, enabled=False
)
cf.QueueConsumer(
    "consumer-email-worker-emails",
    account_id=acct,
    queue_id=q.id,
    script_name=email.script_name,
    type="worker",
)
cf.WorkersCustomDomain(
    "domain-api.staging.example.com",
    account_id=acct,
    hostname="api.staging.example.com",
    service=server.script_name,
    zone_id=zone,
)
