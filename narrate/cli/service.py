"""``narrate api`` (the publish API), ``narrate token`` and ``narrate webhook``: a newsroom's audio service.

``narrate api`` is its own command rather than ``narrate serve --api``: ``serve`` is a stateless file server
for a feeds folder that anyone may read (and that a CDN replaces in production), while the API holds
secrets, writes into feeds and runs workers; they listen, scale and are exposed differently.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from narrate.cli.common import cast_options, feed_dir, feeds_option, friendly_errors

if TYPE_CHECKING:
    from narrate.service.db import Database


def _service_state() -> Path:
    from narrate import settings

    return settings.state_dir()


def _database() -> Database:
    from narrate.service.db import Database

    return Database(_service_state())


@click.command("api")
@feeds_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (put a TLS-terminating proxy in front of anything public).")
@click.option("--port", default=8100, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one (printed).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Articles rendered at once: 1 in this process, more on a process pool.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:8786",
              help="Render on this Dask scheduler's workers (pip install 'narrate[dask]').")
@click.option("--cluster", default=None, metavar="local:N", help="Render on a local Dask cluster of N workers.")
@cast_options
@click.option("--no-cache", is_flag=True, help="Synthesize every sentence; neither read nor fill the cache.")
@click.option("--allow-private", "allow_private", multiple=True, metavar="FEED",
              help="Let this feed's submitted URLs be on private, loopback or link-local addresses (repeatable).")
@click.option("--max-body", type=click.IntRange(min=1024), default=None, metavar="BYTES",
              help="Largest request body accepted (default 5,000,000).")
@click.option("--retry-first", type=click.FloatRange(min=0.0), default=2.0, show_default=True, hidden=True,
              help="Seconds before a failed webhook delivery is tried again (doubling each time).")
@friendly_errors
def api_command(feeds_root: Path, host: str, port: int, jobs: int, scheduler: str | None, cluster: str | None,
                cast: str | None, voice: str | None, no_cache: bool, allow_private: tuple[str, ...],
                max_body: int | None, retry_first: float) -> None:
    """Run the publish API: narrate articles a CMS submits, and tell it when they are done.

    State (hashed tokens, webhook secrets, jobs) lives in $NARRATE_HOME/state, never in the feeds folder.

    \b
    Examples:
      narrate token create world-news
      narrate api --out feeds --port 8100
      narrate api --jobs 2 --allow-private staging
    """
    import uvicorn

    from narrate.batch.dask import parse_cluster
    from narrate.errors import ConfigError
    from narrate.pipeline import NarrateOptions

    try:
        from narrate.service.app import create_app
    except ImportError as error:
        raise ConfigError(f"the publish API needs FastAPI ({error.name} is missing): "
                          "pip install 'narrate[service]'") from error
    from narrate.service.service import MAX_BODY, Service, ServiceConfig
    from narrate.service.webhooks import Retry
    from narrate.service.worker import WorkerSettings

    if scheduler and cluster:
        raise click.UsageError("give --scheduler or --cluster, not both")
    for name in allow_private:
        feed_dir(feeds_root, name)
    options = NarrateOptions(cast=cast, voice=voice, use_cache=not no_cache)
    config = ServiceConfig(_service_state(), WorkerSettings(feeds_root, options, frozenset(allow_private)),
                           jobs=jobs, scheduler=scheduler, cluster=parse_cluster(cluster) if cluster else None,
                           max_body=max_body or MAX_BODY, retry=Retry(first=retry_first))
    service = Service(config)
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        raise click.UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    bound = listener.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"narrate api on http://{shown}:{bound}/api/v1 (state: {config.state_dir})")
    sys.stdout.flush()
    # Logs (access lines included) go to stderr: stdout carries only the address, for a supervisor to read.
    logging = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    logging["handlers"]["access"]["stream"] = "ext://sys.stderr"
    server = uvicorn.Server(uvicorn.Config(create_app(service), log_level="info", server_header=False,
                                           lifespan="on", ws="none", log_config=logging))
    server.run(sockets=[listener])


@click.group()
def token() -> None:
    """Bearer tokens for the publish API, one feed each (stored hashed; shown once)."""


@token.command("create")
@click.argument("feed")
@feeds_option
@click.option("--label", default=None, help="What the token is for (shown by list), e.g. 'ghost'.")
@friendly_errors
def token_create(feed: str, feeds_root: Path, label: str | None) -> None:
    """Create a token for FEED and print it (it is not stored: keep it now)."""
    from narrate.service.tokens import Tokens

    feed_dir(feeds_root, feed)
    info, value = Tokens(_database()).create(feed, label)
    click.echo(value)
    click.echo(f"token {info.id} for {feed}: shown once, stored hashed; revoke with "
               f"`narrate token revoke {feed} {info.id}`", err=True)


@token.command("list")
@click.argument("feed")
@friendly_errors
def token_list(feed: str) -> None:
    """List FEED's tokens (ids, labels, last use; never the tokens)."""
    from narrate.service.tokens import Tokens

    for info in Tokens(_database()).of_feed(feed):
        used = _when(info.last_used) if info.last_used else "never used"
        click.echo(f"{info.id}  created {_when(info.created)}  {used}  {info.label or ''}".rstrip())


@token.command("revoke")
@click.argument("feed")
@click.argument("token_id")
@friendly_errors
def token_revoke(feed: str, token_id: str) -> None:
    """Revoke FEED's token TOKEN_ID (the id `narrate token list` shows)."""
    from narrate.service.tokens import Tokens

    Tokens(_database()).revoke(feed, token_id)
    click.echo(f"revoked token {token_id} of {feed}")


@click.group()
def webhook() -> None:
    """Where the publish API tells a feed's systems that a narration is done or failed, and Ghost's secret."""


@webhook.command("add")
@click.argument("feed")
@click.argument("url")
@feeds_option
@friendly_errors
def webhook_add(feed: str, url: str, feeds_root: Path) -> None:
    """POST FEED's narration events to URL; prints the secret that signs them (X-Narrate-Signature)."""
    from narrate.service.webhooks import Webhooks

    feed_dir(feeds_root, feed)
    hook = Webhooks(_database()).add(feed, url)
    click.echo(hook.secret)
    click.echo(f"webhook {url} for {feed}: events are signed with this secret (HMAC-SHA256 of the body)",
               err=True)


@webhook.command("list")
@click.argument("feed")
@friendly_errors
def webhook_list(feed: str) -> None:
    """List FEED's webhook URLs."""
    from narrate.service.webhooks import Webhooks

    for hook in Webhooks(_database()).of_feed(feed):
        click.echo(hook.url)


@webhook.command("remove")
@click.argument("feed")
@click.argument("url")
@friendly_errors
def webhook_remove(feed: str, url: str) -> None:
    """Stop sending FEED's events to URL."""
    from narrate.service.webhooks import Webhooks

    Webhooks(_database()).remove(feed, url)
    click.echo(f"removed webhook {url} of {feed}")


@webhook.command("log")
@click.argument("feed")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@friendly_errors
def webhook_log(feed: str, limit: int) -> None:
    """FEED's latest webhook deliveries: event, URL, state, tries, last answer."""
    from narrate.service.webhooks import Webhooks

    for row in Webhooks(_database()).log(feed, limit):
        answer = row["last_error"] or (f"HTTP {row['last_status']}" if row["last_status"] else "")
        click.echo(f"{_when(row['created'])}  {row['event']}  {row['url']}  {row['state']} after "
                   f"{row['attempts']} {'try' if row['attempts'] == 1 else 'tries'}  {answer}".rstrip())


@webhook.command("ghost")
@click.argument("feed")
@feeds_option
@click.option("--secret", default=None, help="The secret set in Ghost (default: a new one, printed).")
@friendly_errors
def webhook_ghost(feed: str, feeds_root: Path, secret: str | None) -> None:
    """Accept FEED's Ghost webhooks signed with a secret (X-Ghost-Signature); prints the secret to paste
    into Ghost (Settings > Integrations > your integration > webhook)."""
    from narrate.service.webhooks import Webhooks

    feed_dir(feeds_root, feed)
    value = secret or secrets.token_hex(24)
    Webhooks(_database()).set_cms_secret(feed, "ghost", value)
    click.echo(value)
    click.echo(f"Ghost webhooks to /api/v1/hooks/ghost/{feed} must now be signed with this secret", err=True)


def _when(stamp: float) -> str:
    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


SERVICE_COMMANDS = (api_command, token, webhook)
"""The commands ``narrate.cli`` adds to the ``narrate`` group."""
