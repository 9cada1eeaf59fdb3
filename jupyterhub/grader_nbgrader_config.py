"""nbgrader's configuration of the course's grader account, grader-rnn, whose server is the
course's formgrader service: install it as /home/grader-rnn/.jupyter/nbgrader_config.py.

The course directory is a clone of this repository; its own nbgrader_config.py sets the course
id (rnn, the service's name in jupyterhub_config.py) and how the course is graded."""

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.root = "/home/grader-rnn/rnn-course"
