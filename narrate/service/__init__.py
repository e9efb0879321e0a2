"""The publish API: HTTP requests -> durable jobs -> the one pipeline -> signed webhooks.

``narrate api`` runs it (FastAPI on uvicorn). Its state (hashed tokens, webhook secrets, the job store and
the delivery log) lives in :func:`narrate.settings.state_dir`, never in a feeds folder, which is published as
static files. Jobs render through :func:`narrate.batch.worker.render_task` and are recorded with
:func:`narrate.pipeline.record`, exactly as ``narrate batch`` does: no third copy of the pipeline.
"""
