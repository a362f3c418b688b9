"""The docs cannot drift from the code: every environment variable the settings read is in the configuration
table of docs/setup.md, the job table of docs/operations.md names exactly the registered background tasks, and
every management command of ours is named in docs/."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands

from jobs.queue import TASKS

ROOT = Path(settings.BASE_DIR)
DOCS = "\n".join(path.read_text() for path in sorted((ROOT / "docs").glob("*.md")))
SETUP = (ROOT / "docs" / "setup.md").read_text()
# The first cell of each row of the table in the section "Background jobs": | `reports.fill_address` | when | what |
JOBS_SECTION = (ROOT / "docs" / "operations.md").read_text().split("\n## Background jobs\n")[1].split("\n## ")[0]
JOB_TABLE = set(re.findall(r"^\| `([a-z_]+\.[a-z_0-9]+)` \|", JOBS_SECTION, re.M))
READERS = {"env_str", "env_bool", "env_int", "env_float", "env_list", "get", "getenv"}


def environment_variables():
    """The names config/settings.py reads: the first argument of env_*(…), os.environ.get(…) and os.getenv(…)."""
    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    return sorted({
        node.args[0].value for node in ast.walk(tree)
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
        and (node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")) in READERS
        and (isinstance(node.func, ast.Name) or ast.unparse(node.func) in ("os.environ.get", "os.getenv"))
    })


def our_commands():
    ours = {config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT}  # not .venv's
    return sorted(name for name, app in get_commands().items() if app in ours)


def test_the_lists_are_read_from_the_code():
    """The three lists are not empty by accident (a parser that finds nothing would pass everything)."""
    assert {"DATABASE_URL", "SECRET_KEY", "REDIS_URL"} <= set(environment_variables())
    assert {"setup_city", "run_worker", "backup"} <= set(our_commands())
    assert "reports.seed_holidays" in TASKS


@pytest.mark.parametrize("name", environment_variables())
def test_every_environment_variable_is_in_the_configuration_table(name):
    assert f"`{name}`" in SETUP, f"{name} is read by config/settings.py; docs/setup.md never names it"


def test_the_job_table_names_every_registered_task_and_no_other():
    registered = {name for name, task in TASKS.items() if not task.function.__module__.startswith("tests.")}
    assert {"missing from docs/operations.md": sorted(registered - JOB_TABLE),
            "no longer registered": sorted(JOB_TABLE - registered)} == {
        "missing from docs/operations.md": [], "no longer registered": []}


@pytest.mark.parametrize("name", our_commands())
def test_every_management_command_is_documented(name):
    assert f"manage.py {name}" in DOCS or f"`{name}`" in DOCS, f"manage.py {name} exists; docs/ never names it"
