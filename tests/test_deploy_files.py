"""The deployment files agree with each other and with the code (deploy/smoke.sh runs
them for real; these checks also cover the Docker files, which no engine here runs)."""
import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def test_scripts_parse():
    for script in DEPLOY.glob("*.sh"):
        subprocess.run(["bash", "-n", str(script)], check=True)


def test_the_dockerfile_copies_what_exists_and_runs_the_gunicorn_settings():
    text = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (\S+)", text, re.M):
        assert (ROOT / source).exists(), source
    assert "deploy/gunicorn.conf.py" in text and "check-config" in text


def test_compose_has_the_services_and_shared_rate_limits():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert set(compose["services"]) >= {"db", "redis", "app", "nginx", "backup"}
    app = compose["services"]["app"]["environment"]
    assert app["HAILONG_RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert app["HAILONG_PROXY_COUNT"] == "1"


def test_the_env_template_names_every_setting_production_needs():
    names = dict(line.split("=", 1) for line in (DEPLOY / "hailong.env.example").read_text()
                 .splitlines() if line and not line.startswith("#"))
    for name in ("HAILONG_ENV", "HAILONG_SECRET_KEY", "HAILONG_HASH_KEY", "HAILONG_DATABASE_URL",
                 "HAILONG_PROXY_COUNT", "HAILONG_RATELIMIT_STORAGE_URI", "HAILONG_WORKERS"):
        assert name in names, name
    assert names["HAILONG_ENV"] == "production" and names["HAILONG_SECRET_KEY"] == ""
    # the app listens where nginx sends
    assert names["HAILONG_BIND"] in (DEPLOY / "nginx" / "hailong.conf").read_text()


def test_systemd_units_point_at_real_files():
    service = (DEPLOY / "systemd" / "hailong.service").read_text()
    assert "ExecStartPre=/srv/hailong/venv/bin/hailong check-config" in service
    assert "-c deploy/gunicorn.conf.py survey_app.wsgi:app" in service
    assert (ROOT / "survey_app" / "wsgi.py").exists()
    backup = (DEPLOY / "systemd" / "hailong-backup.service").read_text()
    assert "/srv/hailong/app/deploy/backup.sh" in backup
