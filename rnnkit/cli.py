"""The `rnnkit` command: grade a class, write feedback pages and a class report."""

import argparse
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="rnnkit", description=__doc__)
    parser.add_argument("--course", default=".", help="the nbgrader course directory (default: .)")
    parser.add_argument("--db", help="gradebook URL (default: the course's nbgrader config, else its gradebook.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="autograde every submission of ASSIGNMENT in parallel sandboxes")
    g.add_argument("assignment")
    g.add_argument("--workers", type=int, default=os.cpu_count(), help="notebooks graded at once (default: cores)")
    g.add_argument("--timeout", type=float, default=600, help="wall time per notebook in seconds (default: 600)")
    g.add_argument("--memory", type=int, default=2048, help="memory per notebook in MB (default: 2048)")
    g.add_argument("--max-output", type=int, default=1_000_000, help="characters of output kept per notebook")
    g.add_argument("--force", action="store_true", help="grade again submissions already graded and unchanged")
    g.add_argument("--student", action="append", help="grade only this student (repeatable)")
    g.add_argument("--scheduler", help="a Dask scheduler, tcp://HOST:PORT, to run the notebooks on")
    g.add_argument("--no-isolation", action="store_true",
                   help="run submissions without a sandbox (they can read and change what you can; see the "
                        "threat model in the grading appendix)")
    f = sub.add_parser("feedback", help="per-student HTML: scores, pass or fail per test, diagnoses")
    f.add_argument("assignment")
    f.add_argument("--student", action="append")
    f.add_argument("--book-url", help="the book the pages link to (default: $RNNKIT_BOOK_URL, else the book built "
                                      "in this checkout, _build/html); give the published book's URL for pages "
                                      "students read")
    r = sub.add_parser("report", help="the class's scores and mistakes by kind, with who made each (PNG, CSV, HTML)")
    r.add_argument("assignment")
    args = parser.parse_args(argv)
    try:
        if args.command == "grade":
            from rnnkit.autograde.grade import grade, summary
            from rnnkit.autograde.isolation import Unavailable
            if args.workers < 1 or args.timeout <= 0 or args.memory < 64:
                parser.error("--workers must be >= 1, --timeout > 0 and --memory >= 64")
            try:
                outcomes = grade(args.course, args.assignment, workers=args.workers, timeout=args.timeout,
                                 force=args.force, students=args.student, scheduler=args.scheduler,
                                 memory=args.memory, max_output=args.max_output, db_url=args.db,
                                 isolated=not args.no_isolation)
            except Unavailable as error:
                print(f"rnnkit grade: submissions cannot be isolated here: {error}", file=sys.stderr)
                return 2
            summary(outcomes, sys.stdout)
            return 0 if all(o.graded for o in outcomes) else 1
        from rnnkit.autograde import reports
        if args.command == "feedback":
            for path in reports.feedback(args.course, args.assignment, args.student, db_url=args.db,
                                         book_url=args.book_url):
                print(path)
        else:
            for path in reports.report(args.course, args.assignment, db_url=args.db):
                print(path)
        return 0
    except ValueError as error:
        print(f"rnnkit {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
