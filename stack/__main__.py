"""``python -m stack fetch|up|down [--fresh]|status``."""

from __future__ import annotations

import argparse
import sys

from config import load_settings
from stack import artifacts, control, secure
from stack.errors import StackError


def main(argv: list[str] | None = None) -> int:
    """Run one stack command; a :class:`StackError` becomes its message and exit code 1."""
    parser = argparse.ArgumentParser(prog="python -m stack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("fetch", help="fetch the pinned JVM artifacts with Maven")
    commands.add_parser("up", help="start the services (no-op when running)")
    down = commands.add_parser("down", help="stop the services (keeps data)")
    down.add_argument("--fresh", action="store_true", help="also wipe data and logs")
    commands.add_parser("status", help="state, pid, endpoint and memory of each service")
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        if args.command == "fetch":
            print(f"stack: artifacts in {artifacts.fetch(settings)}")
        elif args.command == "up":
            control.up(settings)
            print(control.format_status(control.status(settings)))
            if settings.stack.secure:
                env_file = secure.load(settings).client_env
                print(f"stack: secured; clients read PIPELINE_ENV_FILE={env_file}")
        elif args.command == "down":
            control.down(settings, fresh=args.fresh)
        else:
            print(control.format_status(control.status(settings)))
    except StackError as exc:
        print(f"stack: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
