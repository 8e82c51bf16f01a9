"""``fieldvisit`` / ``python -m server``: serve, migrate, seed-demo, create-user."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.settings import Settings


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.db import migrate
    from server.settings import get_settings

    settings = get_settings()
    migrate(settings)
    _publish(settings)
    if args.demo:
        from server.demo.seed import demo_logins, seed_if_empty

        seeded = seed_if_empty(settings)
        _print_logins(seeded or demo_logins(), args.host, args.port, fresh=bool(seeded))
    if args.workers > 1 and settings.resolved_database_url().startswith("sqlite"):
        print(
            "note: several server processes share SQLite through its file lock, one writer at a time; "
            "PostgreSQL is the database for --workers (docs/deployment.md)",
            file=sys.stderr,
        )
    uvicorn.run(
        args.app,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=True,
        timeout_graceful_shutdown=20,
    )
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (flag or FIELDVISIT_WEB_WORKERS)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {value}")
    return value


def _publish(settings: Settings) -> None:
    """Make sure every store and catalogue entry is in the change sequence phones pull from."""
    from server.db import session_scope
    from server.domains import publish_all
    from server.visits.service import ensure_default_templates

    with session_scope(settings) as session:
        ensure_default_templates(session)
        publish_all(session)


def _print_logins(logins: list[tuple[str, str, str]] | None, host: str, port: int, *, fresh: bool = True) -> None:
    if not logins:
        print("The database already has data; nothing was seeded.")
        return
    note = "" if fresh else " (demo accounts, unless you changed them)"
    print(f"\nFieldvisit demo is at http://{host}:{port}/  — sign in as{note}:")
    for role, username, password in logins:
        print(f"  {role:<22} {username:<14} password: {password}")
    print()


def _cmd_migrate(args: argparse.Namespace) -> int:
    from server.db import current_revision, migrate

    migrate(revision=args.revision)
    print(f"database at revision {current_revision()}")
    return 0


def _cmd_seed_demo(args: argparse.Namespace) -> int:
    from server.db import migrate
    from server.demo.seed import seed_demo, seed_if_empty
    from server.settings import get_settings

    settings = get_settings()
    migrate(settings)
    logins = seed_demo(settings, seed=args.seed) if args.force else seed_if_empty(settings, seed=args.seed)
    _print_logins(logins, "127.0.0.1", 8000)
    return 0


def _cmd_create_user(args: argparse.Namespace) -> int:
    from server.accounts import service
    from server.accounts.models import Team
    from server.db import migrate, session_scope
    from server.errors import DomainError

    migrate()
    password = args.password or os.environ.get("FIELDVISIT_NEW_PASSWORD") or getpass.getpass("Password: ")
    try:
        with session_scope() as session:
            team_id = None
            if args.team:
                from sqlmodel import select

                team = session.exec(select(Team).where(Team.name == args.team)).first()
                if team is None:
                    print(f"error: no team named {args.team!r}", file=sys.stderr)
                    return 2
                team_id = team.id
            user = service.create_user(
                session,
                username=args.username,
                password=password,
                role=args.role,
                display_name=args.name or "",
                team_id=team_id,
            )
            print(f"created {user.role} {user.username}")
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    return 0


def _cmd_compact(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from server.db import migrate, session_scope, utcnow
    from server.replication.service import compact

    migrate()
    with session_scope() as session:
        result = compact(session, older_than=utcnow() - timedelta(days=args.keep_days))
    print(
        f"dropped {result['superseded_rows']} superseded change rows, purged {result['tombstones_purged']} "
        f"tombstones; devices with a cursor below {result['horizon']} will resync"
    )
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    import time

    from server.db import migrate
    from server.jobs.worker import Worker, run_pending
    from server.settings import get_settings

    settings = get_settings()
    migrate(settings)
    if args.once:
        print(f"ran {run_pending(settings)} jobs")
        return 0
    worker = Worker(settings)
    worker.start()
    print("job worker running; Ctrl-C (or SIGTERM, as systemd and containers stop it) stops it", file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)  # the job in hand finishes (or its lease lets another take it)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        worker.stop()
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _cmd_speech_models(args: argparse.Namespace) -> int:
    from server.settings import get_settings
    from speech.__main__ import main as speech_main

    target = get_settings().resolved_speech_models_dir()
    extra = ["--base-url", args.base_url] if args.base_url else []
    return speech_main(["download", *args.langs, "--dir", str(target), *extra])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fieldvisit",
        description="Fieldvisit server. Settings come from FIELDVISIT_* environment variables "
        "(FIELDVISIT_DATABASE_URL, FIELDVISIT_DATA_DIR, FIELDVISIT_SECRET_KEY, FIELDVISIT_COOKIE_SECURE, "
        "FIELDVISIT_SPEECH_MODELS_DIR, FIELDVISIT_JOBS_EMBEDDED, FIELDVISIT_CLOCK).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run pending migrations and start the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="seed the demo distributor if the database is empty")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument(
        "--workers",
        type=_positive,
        default=os.environ.get("FIELDVISIT_WEB_WORKERS", "1"),  # a string: checked by type= like a flag
        help="server processes sharing the port (default 1, or FIELDVISIT_WEB_WORKERS); use PostgreSQL for "
        "more than one, and set FIELDVISIT_JOBS_EMBEDDED=false when `fieldvisit worker` runs the jobs",
    )
    serve.add_argument(
        "--app",
        default="server.app:create_app",
        help="the application factory, module:function (default server.app:create_app; a distribution with "
        "domains of its own names its factory here)",
    )
    serve.set_defaults(func=_cmd_serve)

    mig = sub.add_parser("migrate", help="apply pending database migrations")
    mig.add_argument("--revision", default="head", help="target revision (default: head)")
    mig.set_defaults(func=_cmd_migrate)

    seed = sub.add_parser("seed-demo", help="create the demo distributor (43 reps, 2,800 stores)")
    seed.add_argument("--seed", type=int, default=2026, help="random seed (default: 2026)")
    seed.add_argument("--force", action="store_true", help="seed even if the database already has users")
    seed.set_defaults(func=_cmd_seed_demo)

    user = sub.add_parser("create-user", help="create a user (asks for the password if not given)")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=["rep", "supervisor", "finance", "admin"])
    user.add_argument("--name", help="display name")
    user.add_argument("--team", help="team name (reps and supervisors)")
    user.add_argument("--password", help="password (or FIELDVISIT_NEW_PASSWORD, or asked)")
    user.set_defaults(func=_cmd_create_user)
    comp = sub.add_parser("compact", help="compact the sync change sequence and purge old tombstones")
    comp.add_argument(
        "--keep-days",
        type=int,
        default=90,
        help="keep deletions this many days, longer than any phone stays offline (default 90)",
    )
    comp.set_defaults(func=_cmd_compact)

    work = sub.add_parser(
        "worker",
        help="run durable jobs (transcription, OCR) beside servers started with FIELDVISIT_JOBS_EMBEDDED=false",
    )
    work.add_argument("--once", action="store_true", help="run the jobs that are due, then exit")
    work.set_defaults(func=_cmd_worker)

    models = sub.add_parser(
        "speech-models",
        help="download, verify and install the small Vosk models into FIELDVISIT_SPEECH_MODELS_DIR",
        description="Fetch vosk-model-small-en-us-0.15 (en) and vosk-model-small-cn-0.22 (zh) from the Vosk "
        "model page, verify and unpack them into <data_dir>/models/speech/<lang> (or FIELDVISIT_SPEECH_MODELS_DIR).",
    )
    models.add_argument("langs", nargs="*", default=["en", "zh"], help="languages (default: en zh)")
    models.add_argument("--base-url", help="a mirror holding the same archives")
    models.set_defaults(func=_cmd_speech_models)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "speech-models":
        from server import clock
        from server.settings import get_settings

        clock.start(get_settings().clock)  # FIELDVISIT_CLOCK: seed, worker and server share one day
        from server.domains import install

        install()  # every command runs with the app's domains (their sync rules, jobs, publishers)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
