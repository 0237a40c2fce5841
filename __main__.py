"""The Fenod reference app, declared. Edit this file to describe your app.

`pulumi up -s <stage>` deploys it; `fenod-infra plan --stack <stage>` shows, offline,
exactly what that stage would get. The stack name is the stage.
"""

from fenod_infra import D1, KV, R2, STAGE, App, Queue, Secret, Worker, public_url


def app() -> App:
    db, uploads, cache, emails = D1("main"), R2("uploads"), KV("cache"), Queue("emails")
    return App(
        stores=[db, uploads, cache, emails],
        workers=[
            Worker(
                "server",
                script="workers/server/index.js",
                bindings={"DB": db, "UPLOADS": uploads, "CACHE": cache, "EMAILS": emails},
                vars={"STAGE": STAGE, "BETTER_AUTH_URL": public_url("server")},
                secrets=[
                    Secret("BETTER_AUTH_SECRET"),
                    Secret("GOOGLE_CLIENT_SECRET", path="/oauth"),
                    Secret("GITHUB_CLIENT_SECRET", path="/oauth"),
                ],
            ),
            Worker(
                "email-worker",
                script="workers/email-worker/index.js",
                consumes=[emails],
                vars={"STAGE": STAGE},
                # Live-only: bound in prod; staging and dev get an empty key and EMAIL_API_KEY_MODE=sandbox.
                secrets=[Secret("EMAIL_API_KEY", path="/email", live_only=True)],
                workers_dev=False,
            ),
        ],
        # The domain map, per stage, reviewable in a diff. dev uses workers.dev only.
        domains={
            "dev": {},
            "staging": {"server": ["api.staging.example.com"]},
            "prod": {"server": ["api.example.com"]},
        },
    )


if __name__ == "__main__":
    from fenod_infra.deploy import deploy

    deploy(app)
