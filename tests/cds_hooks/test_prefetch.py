"""Prefetch left out: fetched from an allowed FHIR server (one on 127.0.0.1), else 412.

The servers count the requests they receive: a refused fetch must leave none behind.
"""

from __future__ import annotations

import copy
import time
from urllib.parse import parse_qsl

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.wrappers import Request, Response

from service import create_app
from service.cds_hooks.prefetch import PrefetchUnavailable, fill
from service.cds_hooks.services import PREFETCH
from service.security.outbound import FhirBase, Refused, parse_outbound
from service.security.startup import ConfigError
from tests.cds_hooks import scenarios
from tests.cds_hooks.hostile_servers import (
    RawServer,
    RecordingApp,
    fhir_json,
    large_body,
    serve,
    trickle,
)
from tests.cds_hooks.test_views import ORDER_SELECT, PATIENT_VIEW, by_code


def cards_summary(body):
    return sorted((c["indicator"], c["summary"]) for c in body["cards"])


def internal(url: str) -> dict:
    return {"url": url, "internal": True}


def make_client(tmp_path, *servers: str, **config):
    """A client of an open (loopback) app that may fetch from `servers` only."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
            "SECRET_KEY": "test-secret",
            "OPEN_FHIR_SERVERS": [internal(s) for s in servers],
            **config,
        }
    )
    return app.test_client()


def diagnostics(response) -> str:
    return " ".join(i.get("diagnostics", "") for i in response.get_json()["issue"])


def only_missing(request: dict, *keys: str) -> dict:
    """The request with these prefetch keys left out (the rest prefetched)."""
    request = copy.deepcopy(request)
    for key in keys:
        del request["prefetch"][key]
    return request


def with_server(request: dict, server: str, token: str | None = "fhir-token") -> dict:
    request = copy.deepcopy(request)
    request["fhirServer"] = server
    if token:
        request["fhirAuthorization"] = {"access_token": token, "token_type": "Bearer"}
    return request


# --- fetching what was not prefetched ---------------------------------------------------------


def test_patient_view_without_prefetch_fetches_with_the_bearer_token(tmp_path, fhir_server):
    client = make_client(tmp_path, fhir_server.url)
    fhir_server.record = scenarios.scenario_a_resources()
    request = scenarios.without_prefetch(scenarios.scenario_a_request(), fhir_server.url)
    response = client.post(PATIENT_VIEW, json=request)
    assert response.status_code == 200, response.get_json()
    with_prefetch = client.post(PATIENT_VIEW, json=scenarios.scenario_a_request()).get_json()
    assert cards_summary(response.get_json()) == cards_summary(with_prefetch)
    assert len(fhir_server.seen) == len(PREFETCH)
    assert {auth for _, auth in fhir_server.seen} == {"Bearer fhir-token"}
    assert f"/Patient/{scenarios.A}" in {path.rstrip("?") for path, _ in fhir_server.seen}


def test_order_select_without_prefetch_gives_the_same_cards(tmp_path, fhir_server):
    client = make_client(tmp_path, fhir_server.url)
    fhir_server.record = scenarios.scenario_b_resources()
    request = scenarios.without_prefetch(scenarios.scenario_b_request(), fhir_server.url)
    body = client.post(ORDER_SELECT, json=request).get_json()
    assert "intake.ul_exceeded" in by_code(body)
    assert "doxycycline" in by_code(body)["interaction.tetracycline"]["detail"]


def test_only_missing_keys_are_fetched_and_null_means_no_data(tmp_path, fhir_server):
    client = make_client(tmp_path, fhir_server.url)
    fhir_server.record = scenarios.scenario_a_resources()
    request = only_missing(scenarios.scenario_a_request(), "conditions")
    request["prefetch"]["magnesium"] = None  # the client has no data: do not fetch it
    response = client.post(PATIENT_VIEW, json=with_server(request, fhir_server.url))
    assert response.status_code == 200
    assert [path.split("?")[0] for path, _ in fhir_server.seen] == ["/Condition"]


def test_no_fetch_without_fhir_authorization(tmp_path, fhir_server):
    # Before: the service fetched anonymously. CDS Hooks 2.0: fhirServer and
    # fhirAuthorization come together, so a call without the token gets 412, no fetch.
    client = make_client(tmp_path, fhir_server.url)
    fhir_server.record = scenarios.scenario_a_resources()
    request = only_missing(scenarios.scenario_a_request(), "conditions")
    response = client.post(PATIENT_VIEW, json=with_server(request, fhir_server.url, token=None))
    assert response.status_code == 412
    assert "fhirAuthorization" in diagnostics(response)
    assert "conditions" in diagnostics(response)
    assert fhir_server.seen == []


def test_412_when_prefetch_is_missing_and_there_is_no_fhir_server(client):
    request = scenarios.scenario_a_request(prefetch=False)
    response = client.post(PATIENT_VIEW, json=request)
    assert response.status_code == 412
    assert "patient" in diagnostics(response)


def test_a_read_that_finds_nothing_is_null(tmp_path, fhir_server):
    client = make_client(tmp_path, fhir_server.url)
    request = scenarios.without_prefetch(scenarios.scenario_a_request(), fhir_server.url)
    request["context"]["patientId"] = "nobody"
    fhir_server.record = {"patient": []}
    # A read that finds nothing is null: the patient is unknown, and one card says so.
    response = client.post(PATIENT_VIEW, json=request)
    assert response.status_code == 200
    [card] = response.get_json()["cards"]
    assert "no Patient resource" in card["detail"]


def test_fill_percent_encodes_context_values():
    assert fill(PREFETCH["patient"], {"patientId": "123"}) == "Patient/123"
    assert fill(PREFETCH["patient"], {"patientId": "../../internal/admin"}) == (
        "Patient/..%2F..%2Finternal%2Fadmin"
    )
    assert fill("Observation?patient={{context.patientId}}", {"patientId": "1&code=x"}) == (
        "Observation?patient=1%26code%3Dx"
    )
    for bad in ({}, {"patientId": ""}, {"patientId": ".."}, {"patientId": "."}):
        with pytest.raises(PrefetchUnavailable):
            fill(PREFETCH["patient"], bad)


# --- SSRF: the attacks of issue 10 against a server that counts what reaches it --------------


@pytest.fixture
def target():
    """A server that answers anything with a Patient and records every request."""
    patient = scenarios.patient("p", "1970-01-01", "female")
    app = RecordingApp(lambda request, root: fhir_json(patient))
    with serve(app) as url:
        app.url = url  # type: ignore[attr-defined]
        yield app


def patient_only(server: str, token: str | None = "fhir-token") -> dict:
    return with_server(only_missing(scenarios.scenario_a_request(), "patient"), server, token)


def test_a_server_not_on_the_allow_list_gets_no_request(tmp_path, target):
    client = make_client(tmp_path)  # nothing allowed
    response = client.post(PATIENT_VIEW, json=patient_only(target.url))
    assert response.status_code == 412
    assert "patient" in diagnostics(response)
    assert target.seen == []


@pytest.mark.parametrize(
    "make_url",
    [
        # urlsplit saw `localhost`, requests connected to 127.1 (issue 10, item 1).
        pytest.param(lambda port: f"http://127.1:{port}\\@localhost:{port}", id="backslash"),
        pytest.param(lambda port: f"http://evil@localhost:{port}", id="userinfo"),
        pytest.param(lambda port: f"http://localhost:{port}/%0d%0aX: y", id="crlf"),
        pytest.param(lambda port: f"http://localhost:{port}/ x", id="space"),
        pytest.param(lambda port: f"http://localhost:{port}#frag", id="fragment"),
        pytest.param(lambda port: f"http://localhost:{port}?a=b", id="query"),
        pytest.param(lambda port: f"file://localhost:{port}/etc/passwd", id="file-scheme"),
    ],
)
def test_tricky_urls_are_refused_before_any_request(tmp_path, target, make_url):
    port = target.url.rsplit(":", 1)[1]
    client = make_client(tmp_path, f"http://localhost:{port}")
    response = client.post(PATIENT_VIEW, json=patient_only(make_url(port)))
    assert response.status_code == 412
    assert target.seen == []
    assert "fhir-token" not in response.get_data(as_text=True)


def test_a_context_value_cannot_leave_the_base_path(tmp_path, target):
    client = make_client(tmp_path, target.url + "/fhir")
    request = patient_only(target.url + "/fhir")
    request["context"]["patientId"] = "../../internal/admin"
    client.post(PATIENT_VIEW, json=request)
    assert target.paths == ["/fhir/Patient/..%2F..%2Finternal%2Fadmin"]
    request["context"]["patientId"] = ".."
    response = client.post(PATIENT_VIEW, json=request)
    assert response.status_code == 412
    assert len(target.seen) == 1


def test_a_sibling_path_of_an_allowed_base_is_refused(tmp_path, target):
    client = make_client(tmp_path, target.url + "/fhir")
    response = client.post(PATIENT_VIEW, json=patient_only(target.url + "/fhir-admin"))
    assert response.status_code == 412
    assert target.seen == []


def test_an_allowed_base_under_its_path_is_used(tmp_path, target):
    client = make_client(tmp_path, target.url + "/fhir")
    response = client.post(PATIENT_VIEW, json=patient_only(target.url + "/fhir/tenant-1"))
    assert response.status_code == 200
    assert target.paths == ["/fhir/tenant-1/Patient/" + scenarios.A]


def test_412_says_which_key_never_why_the_socket_failed(tmp_path, closed_port_url, target):
    closed = make_client(tmp_path, closed_port_url).post(
        PATIENT_VIEW, json=patient_only(closed_port_url)
    )
    assert closed.status_code == 412
    text = diagnostics(closed)
    assert "could not fetch patient" in text
    for leak in ("refused", "Errno", "ConnectionError", "NewConnectionError", "timed out"):
        assert leak not in text
    assert "fhir-token" not in closed.get_data(as_text=True)


def test_an_http_base_must_be_marked_internal(tmp_path):
    with pytest.raises(ConfigError, match="internal"):
        make_client(tmp_path, **{"OPEN_FHIR_SERVERS": ["http://fhir.example.org/r4"]})
    with pytest.raises(ConfigError, match="userinfo"):
        make_client(tmp_path, **{"OPEN_FHIR_SERVERS": ["https://u:p@fhir.example.org/r4"]})


def test_a_trusted_issuer_may_fetch_only_from_its_own_servers(
    tmp_path, target, jwks_file, rsa_signer
):
    from tests.cds_hooks.conftest import ISSUER, SERVICE_URL

    other = target.url + "/other"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
            "SERVICE_URL": SERVICE_URL,
            "TRUSTED_ISSUERS": {
                ISSUER: {"jwks": jwks_file, "fhir_servers": [internal(target.url + "/fhir")]},
                "https://other-ehr.example": {"jwks": jwks_file, "fhir_servers": [internal(other)]},
            },
        }
    )
    client = app.test_client()

    def call(server: str):
        token = rsa_signer.token(SERVICE_URL + PATIENT_VIEW)
        return client.post(
            PATIENT_VIEW, json=patient_only(server), headers={"Authorization": f"Bearer {token}"}
        )

    assert call(other).status_code == 412  # another issuer's server
    assert target.seen == []
    assert call(target.url + "/fhir").status_code == 200
    assert target.paths == [f"/fhir/Patient/{scenarios.A}"]


# --- bounded fetches: a trickling server, a huge answer -------------------------------------


@pytest.mark.parametrize("headers_slowly", [False, True], ids=["slow-body", "slow-headers"])
def test_a_trickling_server_is_cut_off_at_the_deadline(tmp_path, headers_slowly):
    body = b'{"resourceType": "Patient", "id": "p", "birthDate": "1970-01-01"}'
    with RawServer(trickle(body, headers_slowly=headers_slowly, gap_seconds=0.1)) as server:
        client = make_client(
            tmp_path, server.url, PREFETCH_DEADLINE_SECONDS=0.5, FHIR_TIMEOUT_SECONDS=3
        )
        response = client.post(PATIENT_VIEW, json=patient_only(server.url))
        assert response.status_code == 412
        assert "could not fetch patient" in diagnostics(response)
        # The service hung up: the rest of the trickle had nowhere to go (bounded wait).
        assert server.client_hung_up.wait(timeout=5)
        assert server.sent < server.expected


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
def test_an_answer_over_the_byte_cap_is_refused(tmp_path, declare_length):
    size = 20_000_000  # more than loopback socket buffers hold, so the hang-up is seen
    with RawServer(large_body(size, declare_length=declare_length)) as server:
        client = make_client(tmp_path, server.url, PREFETCH_MAX_BYTES=100_000)
        response = client.post(PATIENT_VIEW, json=patient_only(server.url))
        assert response.status_code == 412
        assert "larger than the configured limit" in diagnostics(response)
        assert server.client_hung_up.wait(timeout=5)
        assert server.sent < server.expected


def test_an_answer_under_the_byte_cap_is_read(tmp_path):
    with RawServer(large_body(50_000, declare_length=False)) as server:
        client = make_client(tmp_path, server.url, PREFETCH_MAX_BYTES=100_000)
        response = client.post(PATIENT_VIEW, json=patient_only(server.url))
        assert response.status_code == 200


def test_answers_together_over_the_total_cap_are_refused(tmp_path):
    # Eight keys, each answer under the per-answer cap, 8 × 60 kB over a 200 kB total:
    # the total, not the per-answer cap, bounds a worker's memory (issue 10, item 2).
    padding = "x" * 60_000

    def route(request: Request, root: str):
        return fhir_json({"resourceType": "Bundle", "type": "searchset", "id": padding})

    app = RecordingApp(route)
    with serve(app) as url:
        client = make_client(
            tmp_path, url, PREFETCH_MAX_BYTES=100_000, PREFETCH_MAX_TOTAL_BYTES=200_000
        )
        request = scenarios.without_prefetch(scenarios.scenario_a_request(), url)
        del request["fhirServer"], request["fhirAuthorization"]
        request["prefetch"] = {"patient": scenarios.scenario_a_resources()["patient"][0]}
        response = client.post(PATIENT_VIEW, json=with_server(request, url))
    assert response.status_code == 412
    assert "larger than the configured limit" in diagnostics(response)


def test_a_compressed_answer_is_refused(tmp_path):
    import gzip

    body = gzip.compress(b'{"resourceType": "Patient", "id": "p", "birthDate": "1970-01-01"}')

    def handler(conn, server):
        server.send(
            conn,
            b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Encoding: gzip\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body,
        )

    with RawServer(handler) as server:
        client = make_client(tmp_path, server.url)
        assert client.post(PATIENT_VIEW, json=patient_only(server.url)).status_code == 412


def test_redirects_are_not_followed(tmp_path, target):
    app = RecordingApp(
        lambda request, root: Response("", status=302, headers={"Location": target.url + "/x"})
    )
    with serve(app) as url:
        client = make_client(tmp_path, url, target.url)
        response = client.post(PATIENT_VIEW, json=patient_only(url))
    assert response.status_code == 412
    assert "HTTP 302" in diagnostics(response)
    assert target.seen == []


# --- paging (issue 12, item 1) --------------------------------------------------------------


def hapi_pages(first_entries, second_entries, *, next_url=None):
    """A HAPI-like server under /fhir: page 2 is at `/fhir?_getpages=…` (not under /fhir/)."""

    def route(request: Request, root: str):
        if request.path == "/fhir/MedicationRequest":
            link = next_url or f"{root}/fhir?_getpages=abc123&_getpagesoffset=1&_count=1"
            return fhir_json(
                {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "total": len(first_entries) + len(second_entries),
                    "link": [{"relation": "next", "url": link}],
                    "entry": [{"resource": r} for r in first_entries],
                }
            )
        if request.path == "/fhir" and request.args.get("_getpages") == "abc123":
            return fhir_json(
                {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "entry": [{"resource": r} for r in second_entries],
                }
            )
        return fhir_json({"resourceType": "OperationOutcome", "issue": []}, 404)

    return RecordingApp(route)


def a_medications():
    furosemide = scenarios.scenario_a_resources()["medicationRequests"][0]
    other = scenarios.medication_request("paracetamol", scenarios.A, "161", "Acetaminophen")
    return other, furosemide


def unmapped(body) -> list[str]:
    return [n["source"] + ": " + n["text"] for n in body["extension"]["org.magnesium-cds.unmapped"]]


def test_hapi_getpages_links_are_followed(tmp_path):
    # Before: only links under base + "/" were followed, so page 2 (the furosemide) was
    # never read and the diuretic card was missing.
    other, furosemide = a_medications()
    app = hapi_pages([other], [furosemide])
    with serve(app) as url:
        client = make_client(tmp_path, url + "/fhir")
        request = with_server(
            only_missing(scenarios.scenario_a_request(), "medicationRequests"), url + "/fhir"
        )
        body = client.post(PATIENT_VIEW, json=request).get_json()
    assert "interaction.loop_thiazide_diuretic" in by_code(body)
    assert [p.split("?")[0] for p in app.paths] == ["/fhir/MedicationRequest", "/fhir"]
    assert all(auth == "Bearer fhir-token" for _, auth in app.seen)
    assert "org.magnesium-cds.unmapped" not in body["extension"]


def test_a_next_link_to_another_origin_is_not_followed_and_said(tmp_path, target):
    other, furosemide = a_medications()
    app = hapi_pages([other], [furosemide], next_url=target.url + "/fhir?_getpages=abc123")
    with serve(app) as url:
        client = make_client(tmp_path, url + "/fhir", target.url + "/fhir")
        request = with_server(
            only_missing(scenarios.scenario_a_request(), "medicationRequests"), url + "/fhir"
        )
        body = client.post(PATIENT_VIEW, json=request).get_json()
    assert target.seen == []  # the token never goes to another server
    assert unmapped(body) == [
        "prefetch medicationRequests: the list is incomplete "
        "(a next link points outside fhirServer and was not followed)"
    ]
    notes_card = [c for c in body["cards"] if "incomplete" in c["summary"]]
    assert len(notes_card) == 1 and notes_card[0]["indicator"] == "warning"


def test_the_page_cap_stops_an_endless_list_and_says_so(tmp_path):
    def route(request: Request, root: str):
        page = int(request.args.get("page", "1"))
        return fhir_json(
            {
                "resourceType": "Bundle",
                "type": "searchset",
                "link": [{"relation": "next", "url": f"{root}/fhir?_getpages=x&page={page + 1}"}],
                "entry": [],
            }
        )

    app = RecordingApp(route)
    with serve(app) as url:
        client = make_client(tmp_path, url + "/fhir", PREFETCH_MAX_PAGES=3)
        request = with_server(
            only_missing(scenarios.scenario_a_request(), "medicationRequests"), url + "/fhir"
        )
        body = client.post(PATIENT_VIEW, json=request).get_json()
    assert len(app.seen) == 3
    assert unmapped(body) == [
        "prefetch medicationRequests: the list is incomplete "
        "(more than 3 pages: the rest were not read)"
    ]


def test_a_paged_prefetch_bundle_is_completed_from_the_fhir_server(tmp_path):
    other, furosemide = a_medications()
    app = hapi_pages([], [furosemide])
    with serve(app) as url:
        client = make_client(tmp_path, url + "/fhir")
        request = copy.deepcopy(scenarios.scenario_a_request())
        request["prefetch"]["medicationRequests"] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 2,
            "link": [{"relation": "next", "url": f"{url}/fhir?_getpages=abc123"}],
            "entry": [{"resource": other}],
        }
        body = client.post(PATIENT_VIEW, json=with_server(request, url + "/fhir")).get_json()
    assert "interaction.loop_thiazide_diuretic" in by_code(body)
    assert app.paths == ["/fhir?_getpages=abc123"]


def test_a_paged_prefetch_bundle_without_a_server_is_said_incomplete(client):
    other, _ = a_medications()
    request = copy.deepcopy(scenarios.scenario_a_request())
    request["prefetch"]["medicationRequests"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 2,
        "link": [{"relation": "next", "url": "https://ehr.example.org/fhir?_getpages=abc"}],
        "entry": [{"resource": other}],
    }
    body = client.post(PATIENT_VIEW, json=request).get_json()
    assert "interaction.loop_thiazide_diuretic" not in by_code(body)
    assert unmapped(body) == [
        "prefetch medicationRequests: the list is incomplete "
        "(more pages not read: no fhirServer to fetch them from)"
    ]


def test_latest_n_searches_do_not_follow_next_links(tmp_path):
    def route(request: Request, root: str):
        return fhir_json(
            {
                "resourceType": "Bundle",
                "type": "searchset",
                "link": [{"relation": "next", "url": f"{root}/fhir?_getpages=older"}],
                "entry": [],
            }
        )

    app = RecordingApp(route)
    with serve(app) as url:
        client = make_client(tmp_path, url + "/fhir")
        request = with_server(only_missing(scenarios.scenario_a_request(), "egfr"), url + "/fhir")
        body = client.post(PATIENT_VIEW, json=request).get_json()
    assert [p.split("?")[0] for p in app.paths] == ["/fhir/Observation"]  # _count=5: page 1
    notes = body["extension"].get("org.magnesium-cds.unmapped", [])
    assert [n for n in notes if "incomplete" in n["text"]] == []


def test_the_deadline_covers_all_fetches_of_one_call(tmp_path):
    # Eight keys, each answered slowly but under the per-read timeout: only the one
    # deadline for the call stops them (issue 10, item 2: 8 keys held workers 30 s).
    def route(request: Request, root: str):
        time.sleep(0.3)
        return fhir_json({"resourceType": "Bundle", "type": "searchset", "entry": []})

    app = RecordingApp(route)
    with serve(app) as url:
        client = make_client(tmp_path, url, PREFETCH_DEADLINE_SECONDS=0.2, FHIR_TIMEOUT_SECONDS=3)
        request = scenarios.without_prefetch(scenarios.scenario_a_request(), url)
        response = client.post(PATIENT_VIEW, json=request)
    assert response.status_code == 412
    assert "within 0.2 s" in diagnostics(response) or "deadline" in diagnostics(response)


@settings(max_examples=300, deadline=None)
@example("..")
@example(".")
@example("../../internal/admin")
@given(st.text(alphabet=st.sampled_from("./\\%?#&=@:;a0 \t\r\n~"), min_size=1, max_size=12))
def test_no_context_value_leads_a_query_out_of_its_resource_path(patient_id):
    # Safety invariant: whatever the client puts in context.patientId, the URL fetched is
    # under <base>/Patient/ (the read) or is <base>/Observation?… (a search), or nothing.
    base = FhirBase.parse({"url": "http://127.0.0.1:8080/fhir", "internal": True})
    for template, path in ((PREFETCH["patient"], "/fhir/Patient/"), (PREFETCH["egfr"], "/fhir/")):
        try:
            url = parse_outbound(f"{base.url}/{fill(template, {'patientId': patient_id})}")
        except (PrefetchUnavailable, Refused):
            continue  # refused: nothing is fetched
        assert base.covers(url)
        assert (url.path or "").startswith(path)
        if template == PREFETCH["patient"]:
            assert url.query is None and url.path.count("/") == 3
        else:
            assert url.path == "/fhir/Observation"
            keys = [k for k, _ in parse_qsl(url.query or "")]
            assert keys == ["patient", "code", "_sort", "_count"]
