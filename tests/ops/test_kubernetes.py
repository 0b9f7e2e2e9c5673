"""deploy/kubernetes: valid against the Kubernetes schemas (offline), and what it promises.

kubernetes-validate ships the API's JSON schemas, so no cluster is needed; `strict`
refuses any field the API does not know (a misspelt key would otherwise be dropped).
"""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

DIR = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
VERSIONS = ["1.29.0", "1.33.0"]  # an older and a newer supported Kubernetes
WRITABLE = {"/var/lib/magnesium-cds/spool", "/var/lib/magnesium-cds/metrics", "/tmp"}


def documents() -> list[dict]:
    kustomization = yaml.safe_load((DIR / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs.extend(d for d in yaml.safe_load_all((DIR / name).read_text()) if d)
    return docs


def one(kind: str, name: str = "magnesium-cds") -> dict:
    found = [d for d in documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def test_the_kustomization_lists_every_manifest():
    listed = yaml.safe_load((DIR / "kustomization.yaml").read_text())["resources"]
    present = sorted(p.name for p in DIR.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(listed) == present


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid_for_kubernetes(version):
    docs = documents()
    assert len(docs) == 10
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message} at {exc.path}")


def app_pod() -> dict:
    return one("StatefulSet")["spec"]["template"]["spec"]


def test_the_app_has_readiness_and_liveness_probes_and_resources():
    [app] = app_pod()["containers"]
    assert app["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert app["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert set(app["resources"]) == {"requests", "limits"}
    assert set(app["resources"]["requests"]) == {"cpu", "memory"}
    assert set(app["resources"]["limits"]) == {"cpu", "memory"}


@pytest.mark.parametrize("kind", ["StatefulSet", "Job"])
def test_pods_run_non_root_on_a_read_only_root_filesystem(kind):
    name = "magnesium-cds-migrate" if kind == "Job" else "magnesium-cds"
    pod = one(kind, name)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001  # the image's `cds`
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"]:
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"] == {"drop": ["ALL"]}


def test_the_app_writes_only_to_its_spool_metrics_and_tmp():
    [app] = app_pod()["containers"]
    writable = {m["mountPath"] for m in app["volumeMounts"] if not m.get("readOnly")}
    assert writable == WRITABLE
    claims = [c["metadata"]["name"] for c in one("StatefulSet")["spec"]["volumeClaimTemplates"]]
    assert claims == ["spool"]  # one volume per pod, kept when the pod goes
    env = {e["name"]: e.get("value") for e in app["env"]}
    assert env["CDS_SPOOL_DIR"] == "/var/lib/magnesium-cds/spool"
    assert env["PROMETHEUS_MULTIPROC_DIR"] == "/var/lib/magnesium-cds/metrics"


def test_secrets_are_files_from_a_kubernetes_secret():
    pod = app_pod()
    [app] = pod["containers"]
    env = {e["name"]: e for e in app["env"]}
    files = {k: v["value"] for k, v in env.items() if k.endswith("_FILE")}
    assert files == {
        "CDS_DATABASE_PASSWORD_FILE": "/run/secrets/cds/postgres_password",
        "CDS_SECRET_KEY_FILE": "/run/secrets/cds/secret_key",
        "CDS_API_KEYS_SHA256_FILE": "/run/secrets/cds/api_keys_sha256",
    }
    [secret] = [v for v in pod["volumes"] if "secret" in v]
    assert secret["secret"]["secretName"] == "magnesium-cds"
    assert {i["path"] for i in secret["secret"]["items"]} == {
        "postgres_password",
        "secret_key",
        "api_keys_sha256",
    }
    assert {"name": "secrets", "mountPath": "/run/secrets/cds", "readOnly": True} in (
        app["volumeMounts"]
    )
    # No secret value anywhere in the manifests, and none through the environment.
    assert not any(d["kind"] == "Secret" for d in documents())
    assert all("valueFrom" not in e or "secretKeyRef" not in e["valueFrom"] for e in env.values())
    config = one("ConfigMap")["data"]
    assert all(
        not k.endswith(("PASSWORD", "SECRET_KEY", "API_KEYS", "API_KEYS_SHA256")) for k in config
    )


def test_the_migration_is_a_job_and_the_app_does_not_migrate():
    job = one("Job", "magnesium-cds-migrate")
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["magnesium-cds", "db", "upgrade", "--wait-seconds", "120"]
    assert one("ConfigMap")["data"]["CDS_MIGRATE_ON_START"] == "false"


def test_service_hpa_and_pdb_point_at_the_app_pods():
    labels = one("StatefulSet")["spec"]["template"]["metadata"]["labels"]
    for name in ("magnesium-cds", "magnesium-cds-pods"):
        selector = one("Service", name)["spec"]["selector"]
        assert selector.items() <= labels.items()
    assert one("Service", "magnesium-cds-pods")["spec"]["clusterIP"] == "None"
    assert one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = one("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("StatefulSet", "magnesium-cds")
    assert one("HorizontalPodAutoscaler")["spec"]["minReplicas"] >= 2


def test_postgres_and_redis_are_external_and_the_config_points_at_them():
    config = one("ConfigMap")["data"]
    assert one("Service", "magnesium-cds-postgres")["spec"]["type"] == "ExternalName"
    assert one("Service", "magnesium-cds-redis")["spec"]["type"] == "ExternalName"
    assert config["CDS_DATABASE_URL"] == "postgresql://cds@magnesium-cds-postgres:5432/cds"
    assert config["CDS_RATE_LIMIT_STORAGE_URL"] == "redis://magnesium-cds-redis:6379/0"
    assert config["CDS_TRUSTED_PROXY_HOPS"] == "1"
    assert config["CDS_SERVICE_URL"].startswith("https://")


@pytest.mark.parametrize("internal", ["/metrics", "/healthz", "/readyz"])
def test_the_ingress_does_not_route_the_operations_endpoints(internal):
    paths = [p for r in one("Ingress")["spec"]["rules"] for p in r["http"]["paths"]]
    assert internal not in [p["path"] for p in paths]
    prefixes = [p["path"] for p in paths if p["pathType"] == "Prefix"]
    assert not any(internal.startswith(p) for p in prefixes)  # `/` itself is Exact
