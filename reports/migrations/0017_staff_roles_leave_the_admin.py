"""The admin becomes the administrators' tool (issue 26): the dispatcher, planner and crew groups lose the Django
permissions setup_city gave them, and their members who are not administrators lose `is_staff`. Their own pages
check their group (reports.roles), so nothing they work on closes; config.admin.AdministratorsSite opens the admin
to superusers alone in any case. Going back gives nothing back: run an older setup_city for the permissions."""

from django.db import migrations

ROLES = ["crew", "dispatcher", "planner"]


def leave_the_admin(apps, schema_editor):
    Group, User = apps.get_model("auth", "Group"), apps.get_model("auth", "User")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.clear()
    User.objects.filter(groups__name__in=ROLES, is_superuser=False, is_staff=True).update(is_staff=False)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0016_open_reports_by_due_date"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(leave_the_admin, migrations.RunPython.noop)]
