"""Errors a user can cause, kept apart from bugs so the CLI prints one line and exits 2."""


class UserError(Exception):
    """A problem the user can fix (bad path, bad config, existing output).

    The message is printed as-is on one line by the CLI; it should name the file
    or key and say what to do.
    """

    exit_code = 2
