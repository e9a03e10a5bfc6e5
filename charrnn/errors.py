"""The one exception a user's mistake becomes; the CLI prints it as a single line."""


class UserError(Exception):
    """Bad input a user can fix: a path, a flag value, a corrupt checkpoint, malformed ABC."""


class WriteError(UserError):
    """A file could not be written (no space, a read-only filesystem, an I/O error, its
    directory gone); what was on disk before is unchanged."""
