"""gunicorn reads this file from the folder it is started in, in its master process: a bad
setting stops the server here with its one-line message and exit status 2. (govpublic.wsgi
checks too, but in a worker, whose exit gunicorn would only answer by starting another.)"""

import os

from govpublic.env import exit_on_bad_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govpublic.settings")
exit_on_bad_settings()
