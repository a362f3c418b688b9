"""Where e-mail goes on a machine with no SMTP server named: files only their owner reads (settings.EMAIL_BACKEND).

The messages carry reporters' addresses and their private links; the console backend Django's examples use
would put both into the log, which more people read and keep longer."""

import os

from django.core.mail.backends import filebased


def owner_only(path, flags):
    """open()'s opener for a new file only its owner reads and writes."""
    return os.open(path, flags, 0o600)


class PrivateFileBackend(filebased.EmailBackend):
    """Django's file backend: one file per connection in EMAIL_FILE_PATH, the file 0600 and the folder 0700
    (an opener, not the umask: the umask is the whole process's, and a web worker's other threads write photos)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        os.chmod(self.file_path, 0o700)

    def open(self):
        if self.stream is None:
            self.stream = open(self._get_filename(), "ab", opener=owner_only)
            return True
        return False
