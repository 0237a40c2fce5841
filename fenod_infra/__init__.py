"""fenod-infra: deploy a Fenod app to Cloudflare, one Pulumi stack per stage.

The public declaration API lives in :mod:`fenod_infra.spec.app` and is re-exported
here so an app's ``__main__.py`` reads as a short list of what the app is. Nothing
here imports Pulumi: the Pulumi layer is :func:`fenod_infra.deploy.deploy`.
"""

from fenod_infra.spec.app import (
    D1,
    KV,
    R2,
    STAGE,
    App,
    Queue,
    Secret,
    Worker,
    public_url,
)

__all__ = ["D1", "KV", "R2", "STAGE", "App", "Queue", "Secret", "Worker", "public_url"]
