"""JupyterHub for the course, as nbgrader documents a hub with several courses: the course's
formgrader runs as a service named after its course id, as the grader account grader-rnn;
instructors reach it through the group formgrade-rnn, students take the course through the
group nbgrader-rnn (`nbgrader db student add` puts them there). Another course on the same hub
adds its own grader account, service and two groups, named after its own course id.

Put it in the hub's directory and fill in the accounts; see book/appendix_grading.md."""

c = get_config()  # noqa: F821 (provided by JupyterHub)

COURSE = "rnn"  # CourseDirectory.course_id in the course's nbgrader_config.py
GRADER = f"grader-{COURSE}"
INSTRUCTORS = ["instructor1"]
STUDENTS = ["student1", "student2"]

c.Authenticator.allowed_users = {*INSTRUCTORS, *STUDENTS, GRADER}
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE}": {"users": [*INSTRUCTORS, GRADER]},
    f"nbgrader-{COURSE}": {"users": STUDENTS},
}
c.JupyterHub.load_roles = [
    # a single-user server may ask the hub, as its user, which courses the user takes
    {"name": "server", "scopes": ["inherit"]},
    {"name": f"formgrade-{COURSE}", "groups": [f"formgrade-{COURSE}"],
     "scopes": [f"access:services!service={COURSE}"]},
    {"name": f"nbgrader-{COURSE}", "groups": [f"nbgrader-{COURSE}"],
     "scopes": ["list:services", f"read:services!service={COURSE}"]},
    # the formgrader adds the students of `nbgrader db student add` to nbgrader-rnn
    {"name": f"{COURSE}-service", "services": [COURSE],
     "scopes": ["read:users", "list:groups", "read:groups", "admin:groups"]},
]
c.JupyterHub.services = [{
    "name": COURSE,
    "url": "http://127.0.0.1:9999",
    "command": ["jupyterhub-singleuser", "--debug"],
    "user": GRADER,
    "cwd": f"/home/{GRADER}",
    "environment": {"JUPYTERHUB_DEFAULT_URL": "/lab"},
}]
