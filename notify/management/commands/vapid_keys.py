from django.core.management.base import BaseCommand

from notify.channels import new_vapid_keys


class Command(BaseCommand):
    help = "Print a new VAPID key pair for browser notifications, as the settings take it (docs/notify.md)."

    def handle(self, *args, **options):
        public, private = new_vapid_keys()
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={public}\nWEBPUSH_VAPID_PRIVATE_KEY={private}")
