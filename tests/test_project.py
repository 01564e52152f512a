"""Project-level checks: production settings pass `check --deploy`; the demo loads idempotently."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from complaints.models import Complaint, Customer, Message, TransitionLog

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_passes_with_production_environment(tmp_path):
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k" * 64 + "-a-long-random-production-secret",
        "ALLOWED_HOSTS": "redress.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DJANGO_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing():
    call_command("load_demo", verbosity=0)
    counts = [m.objects.count() for m in (Complaint, Customer, Message, TransitionLog)]
    states = set(Complaint.objects.values_list("state", flat=True))
    assert states == {"venting", "acknowledged", "apologized", "remedied", "escalated", "limit_set"}
    assert Complaint.objects.filter(description__icontains="coconut", state="venting").exists()
    call_command("load_demo", verbosity=0)
    assert [m.objects.count() for m in (Complaint, Customer, Message, TransitionLog)] == counts
