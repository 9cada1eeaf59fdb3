"""nbgrader's configuration for everyone on the JupyterHub, students, instructors and each
course's grader account: install it as /etc/jupyter/nbgrader_config.py.

One exchange serves every course of the hub, each in a folder named after its course id; the
hub's groups nbgrader-<course id> and formgrade-<course id> say who takes and who grades which
course (nbgrader's set-up for several courses, see book/appendix_grading.md)."""

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821 (provided by nbgrader)

# Created once by the administrator, writable by all, sticky: install -d -m 1777 /srv/nbgrader/exchange
c.Exchange.root = "/srv/nbgrader/exchange"
c.Exchange.path_includes_course = True  # a student fetches 01_rnn of course rnn into rnn/01_rnn
c.Authenticator.plugin_class = JupyterHubAuthPlugin
