"""The `yimaqing` command: each sub-command parses its options, builds settings, calls a plain function."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from neo4j.exceptions import AuthError, ConfigurationError, ServiceUnavailable

from api.app import create_app
from api.auth import TOKEN_ROLES, mint_token, signing_secret
from api.bulk_import import add_parser as add_bulk_import_parser
from api.bulk_import import run_bulk_import
from api.database import connect, local_neo4j, seed_with_progress
from api.export import ExportCommandError, run_export
from api.export import add_parser as add_export_parser
from api.imports import ImportCommandError, run_import
from api.imports import add_parser as add_import_parser
from api.login import login_link
from api.plate_pdf import PlateFontMissing
from api.plates import village_plates_pdf
from api.settings import Settings, SettingsError
from api.trusted_documents import TrustedDocuments
from graph.access import Role, Viewer
from graph.aggregates import rebuild_aggregates
from graph.alerts import evaluate_county
from graph.constraints import migrate
from graph.driver import open_driver
from graph.local_neo4j import LocalNeo4jError
from graph.places import county_exists
from schema.build import print_sdl


class CliError(Exception):
    """A problem the user can fix; printed without a traceback, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
        command = args.command or "serve"
        if command == "serve":
            serve(settings)
        elif command == "seed":
            asyncio.run(seed(settings, seed_value=args.seed, households=args.households, replace=args.replace))
        elif command == "neo4j":
            asyncio.run(run_local_neo4j(settings))
        elif command == "schema":
            write_schema(args.output)
        elif command == "token":
            print(issue_token(settings, args))
        elif command == "documents":
            documents = TrustedDocuments.public(anonymous_trusted_only=True).by_hash
            print(json.dumps(documents, indent=2, ensure_ascii=False))
        elif command == "aggregates":
            asyncio.run(rebuild_aggregates_command(settings))
        elif command == "plates":
            asyncio.run(print_plates(settings, village=args.village, output=args.output))
        elif command == "alerts":
            asyncio.run(evaluate_alerts_command(settings))
        elif command == "import":
            return run_import(settings, args)
        elif command == "bulk-import":
            return run_bulk_import(settings, args)
        elif command == "export":
            return run_export(settings, args)
    except (
        SettingsError,
        CliError,
        LocalNeo4jError,
        ImportCommandError,
        ExportCommandError,
        PlateFontMissing,
    ) as error:
        print(f"yimaqing: {error}", file=sys.stderr)
        return 2
    except (ServiceUnavailable, AuthError, ConfigurationError, ValueError) as error:
        # The driver's own words: where it tried, and why it could not connect (no Cypher, no secrets).
        target = os.environ.get("NEO4J_URI") or "the local Neo4j"
        print(f"yimaqing: cannot use Neo4j at {target}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yimaqing", description="一码清: a GraphQL server over a county's poverty-alleviation graph."
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the API (the default): starts the local Neo4j when NEO4J_URI is unset")
    seed_parser = commands.add_parser("seed", help="generate the demo county into the database")
    seed_parser.add_argument("--seed", type=int, default=None, help="the generator's seed (default: SEED)")
    seed_parser.add_argument(
        "--households", type=_positive, default=None, help="farm households (default: SEED_HOUSEHOLDS)"
    )
    seed_parser.add_argument("--replace", action="store_true", help="delete what the database holds first")
    commands.add_parser("neo4j", help="run the local Neo4j in the foreground until Ctrl-C")
    schema_parser = commands.add_parser("schema", help="print the served GraphQL schema (SDL)")
    schema_parser.add_argument("--output", type=Path, default=None, help="write it to this file instead")
    plates_parser = commands.add_parser("plates", help="write a village's printable QR door plates (PDF)")
    plates_parser.add_argument("--village", required=True, help="the village code")
    plates_parser.add_argument("--output", type=Path, default=None, help="the PDF (default: <village>一码清门牌.pdf)")
    aggregates_parser = commands.add_parser("aggregates", help="rebuild what is derived from households")
    aggregates_parser.add_argument("action", choices=["rebuild"], help="recompute every village's stats now")
    alerts_parser = commands.add_parser("alerts", help="the early-warning rules")
    alerts_parser.add_argument("action", choices=["evaluate"], help="evaluate every rule over the county now")
    token_parser = commands.add_parser("token", help="print a signed JWT (or a one-time login link) for a role")
    token_parser.add_argument("--role", required=True, type=str.upper, choices=[r.value for r in TOKEN_ROLES.values()])
    token_parser.add_argument("--village", action="append", default=[], help="a village code (repeatable)")
    token_parser.add_argument("--township", action="append", default=[], help="a township code (repeatable)")
    token_parser.add_argument("--ttl", type=parse_ttl, default=8 * 3600, help="lifetime: 30s, 15m, 8h, 7d (default 8h)")
    token_parser.add_argument("--sub", default=None, help="the caller's name in the audit (default: cli-ROLE)")
    token_parser.add_argument(
        "--link", action="store_true", help="print a one-time login link for a phone instead (opens within 24 h)"
    )
    commands.add_parser("documents", help="print the trusted documents (SHA-256 hash → text) as JSON")
    add_import_parser(commands)
    add_bulk_import_parser(commands)
    add_export_parser(commands)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {value}")
    return value


def serve(settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM; the lifespan stops the Neo4j it started."""
    app = create_app(settings)  # first: a missing JWT key in production stops here, with one line
    if settings.neo4j_uri:
        # Fail with one clear line, not a traceback from inside the server's start-up.
        asyncio.run(check_neo4j(settings))
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        proxy_headers=True,
        # Ctrl-C waits this long for requests in flight, then cancels them, so the Neo4j stops too.
        timeout_graceful_shutdown=10,
    )


async def check_neo4j(settings: Settings) -> None:
    driver = open_driver(settings.neo4j_uri or "", settings.neo4j_user, settings.neo4j_password)
    try:
        await driver.verify_connectivity()
    finally:
        await driver.close()


async def seed(settings: Settings, *, seed_value: int | None, households: int | None, replace: bool) -> None:
    async with connect(settings) as database:
        await migrate(database.driver, settings.neo4j_database)
        if not replace and await database.graph.read(county_exists):
            raise CliError("the database already holds a county; pass --replace to delete it and seed anew")
        await seed_with_progress(
            database,
            seed=settings.seed if seed_value is None else seed_value,
            households=settings.seed_households if households is None else households,
            replace=replace,
        )
        print(f"seeded the demo county into {database.uri}")


async def rebuild_aggregates_command(settings: Settings) -> None:
    async with connect(settings) as database:
        await migrate(database.driver, settings.neo4j_database)
        report = await rebuild_aggregates(database.driver, settings.neo4j_database)
        print(f"rebuilt the stats of {report.villages} villages for the years {', '.join(map(str, report.years))}")


async def evaluate_alerts_command(settings: Settings) -> None:
    async with connect(settings) as database:
        await migrate(database.driver, settings.neo4j_database)
        started = time.perf_counter()
        report = await evaluate_county(database.driver, settings.neo4j_database)
        print(
            f"{report.holding} rule findings: {report.opened} alerts opened, {report.updated} updated, "
            f"{report.resolved} resolved ({time.perf_counter() - started:.1f} s)"
        )


async def print_plates(settings: Settings, *, village: str, output: Path | None) -> None:
    async with connect(settings) as database:
        plates = await village_plates_pdf(database.graph, village, settings.public_url)
    if plates is None:
        raise CliError(f"no village with code {village!r}")
    path = output or Path(plates.filename)
    try:
        path.write_bytes(plates.content)
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror}") from None
    print(f"wrote {plates.plates} plates to {path} (QR codes open {settings.public_url}/q/...)")
    if plates.without_code:
        print(f"{plates.without_code} households have no current QR code and no plate", file=sys.stderr)


async def run_local_neo4j(settings: Settings) -> None:
    if settings.neo4j_uri:
        raise CliError(f"NEO4J_URI is set ({settings.neo4j_uri}): there is no local Neo4j to run")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with local_neo4j(settings) as neo4j:
        print(f"local Neo4j ready at {neo4j.uri} (data in {settings.data_dir}); Ctrl-C stops it", flush=True)
        await stop.wait()


# A village or township code (GB/T 2260 and its extension to villages).
PLACE_CODE = re.compile(r"[0-9]{12}")


def issue_token(settings: Settings, args: argparse.Namespace) -> str:
    """A token signed with the server's secret (JWT_SECRET, or the development one under DATA_DIR), or a
    one-time login link that exchanges such a token for a session cookie."""
    secret = signing_secret(settings)
    if secret is None:
        raise CliError("JWT_JWKS_URL is set: tokens come from your identity provider (set JWT_SECRET to mint here)")
    role = TOKEN_ROLES[args.role]
    if role is Role.CADRE and not (args.village or args.township):
        raise CliError("a CADRE token needs its scope: --village CODE or --township CODE (one or more)")
    if role is not Role.CADRE and (args.village or args.township):
        raise CliError(f"--village and --township scope a CADRE; an {role.value} sees the whole county")
    malformed = [code for code in (*args.village, *args.township) if not PLACE_CODE.fullmatch(code)]
    if malformed:
        raise CliError(f"a village or township code is 12 digits, not {malformed[0]!r}")
    viewer = Viewer(role, args.sub or f"cli-{role.value.lower()}", frozenset(args.village), frozenset(args.township))
    if args.link:
        return login_link(settings, secret, viewer, session_ttl_s=args.ttl)
    return mint_token(secret, viewer, ttl_s=args.ttl, issuer=settings.jwt_issuer, audience=settings.jwt_audience)


def parse_ttl(text: str) -> int:
    """Seconds from `30s`, `15m`, `8h` or `7d`."""
    match = re.fullmatch(r"(\d+)([smhd])", text.strip().lower())
    if match is None or int(match[1]) == 0:
        raise argparse.ArgumentTypeError(f"a lifetime is a number and s, m, h or d (30s, 15m, 8h), not {text!r}")
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]


def write_schema(output: Path | None) -> None:
    sdl = print_sdl()
    if output is None:
        sys.stdout.write(sdl)
    else:
        output.write_text(sdl, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
