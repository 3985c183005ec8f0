#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govpublic.settings")
    from django.core.management import execute_from_command_line

    from govpublic.env import exit_on_bad_settings

    exit_on_bad_settings()
    execute_from_command_line(sys.argv)
