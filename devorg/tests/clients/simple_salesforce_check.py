"""Runs simple-salesforce (PyPI, unchanged) against the devorg: query with paging, search,
describe, create, update, get, composite and error mapping. Exits non-zero on any mismatch.

Usage: simple_salesforce_check.py PORT SESSION_ID CERT_PEM
Only name resolution is adapted (the devorg listens on loopback under the real host names).
"""
import json
import os
import socket
import sys

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceMalformedRequest

_real_getaddrinfo = socket.getaddrinfo


def _loopback(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".my.salesforce.com"):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAILED: {what}")


def main():
    port, session_id, cert = sys.argv[1], sys.argv[2], sys.argv[3]
    http = requests.Session()
    # The devorg's certificate, made at start, is the one trusted. requests lets an environment
    # CA bundle override a session's `verify`, so point that at it too.
    http.verify = cert
    os.environ["REQUESTS_CA_BUNDLE"] = cert
    sf = Salesforce(instance_url=f"https://acme.my.salesforce.com:{port}", session_id=session_id,
                    version="51.0", session=http)

    contacts = sf.query("SELECT Id, Name, Phone, Account.Name FROM Contact WHERE LastName = '山田'")
    check(contacts["totalSize"] == 1, f"query: {contacts}")
    check(contacts["records"][0]["Account"]["Name"] == "株式会社アクメ", "query: parent field")

    everyone = sf.query_all("SELECT Id FROM Contact")
    check(everyone["totalSize"] == len(everyone["records"]) >= 10, "query_all")

    found = sf.search("FIND {0312345678} IN PHONE FIELDS RETURNING Contact(Id, Name), Lead(Id, Name, Company)")
    types = sorted(r["attributes"]["type"] for r in found["searchRecords"])
    check(types == ["Contact", "Lead"], f"search: {found}")

    describe = sf.Task.describe()
    names = {f["name"]: f for f in describe["fields"]}
    check(names["CallType"]["restrictedPicklist"] is True, "describe: CallType")
    check(names["TaskSubtype"]["updateable"] is False, "describe: TaskSubtype")
    check(any(o["name"] == "Lead" for o in sf.describe()["sobjects"]), "describe global")

    created = sf.Task.create({"Subject": "発信", "TaskSubtype": "Call", "CallType": "Outbound",
                              "WhoId": contacts["records"][0]["Id"], "CallObject": "simple-salesforce"})
    check(created["success"] is True and created["id"].startswith("00T"), f"create: {created}")
    status = sf.Task.update(created["id"], {"Description": "メモ"})
    check(status == 204, f"update: {status}")
    task = sf.Task.get(created["id"])
    check(task["Description"] == "メモ" and task["AccountId"] == "0015g00000AcMeAAAV", f"get: {task}")

    composite = sf.restful("composite", method="POST", data=json.dumps({"compositeRequest": [
        {"method": "POST", "url": "/services/data/v51.0/sobjects/Task", "referenceId": "t",
         "body": {"Subject": "composite", "CallObject": "simple-salesforce-composite"}},
        {"method": "GET", "url": "/services/data/v51.0/sobjects/Task/@{t.id}?fields=Subject",
         "referenceId": "check"},
    ]}))
    statuses = [r["httpStatusCode"] for r in composite["compositeResponse"]]
    check(statuses == [201, 200], f"composite: {composite}")

    try:
        sf.query("SELECT Id FROM Contact WHERE")
        check(False, "a malformed query must raise")
    except SalesforceMalformedRequest as error:
        check(error.content[0]["errorCode"] == "MALFORMED_QUERY", f"malformed: {error.content}")

    bad = Salesforce(instance_url=f"https://acme.my.salesforce.com:{port}", session_id="00D5g000004ABCD!nope",
                     version="51.0", session=http)
    try:
        bad.query("SELECT Id FROM Contact")
        check(False, "an invalid session must raise")
    except SalesforceExpiredSession:
        pass
    print("simple-salesforce: query, query_all, search, describe, create, update, get, composite, errors: ok")


if __name__ == "__main__":
    main()
