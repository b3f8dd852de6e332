"""Drive the RSD simulator with Debian's python3-sushy, an independent Redfish client.

Usage: /usr/bin/python3 check.py BASE_URL USERNAME PASSWORD SYSTEMS

sushy knows standard Redfish (root, systems, reset, boot) but not RSD, so the RSD part
(Nodes: Allocate -> Assemble -> Reset -> Delete) goes through sushy's raw connection,
which still applies sushy's own error handling. Prints one "ok ..." line per step and
exits non-zero on the first disagreement.
"""

import sys
import time
from urllib.parse import urlparse

import sushy
from sushy import auth, exceptions

from common import check, power_on_off


def main():
    base, user, password, systems = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    s = sushy.Sushy(base, auth=auth.BasicAuth(username=user, password=password))
    check(s.identity == "RootService", "service root Id")
    check(s.redfish_version == "1.1.0", "RedfishVersion")
    check(s.json["Oem"]["Intel_RackScale"]["ApiVersion"] == "2.3.0", "Oem.Intel_RackScale.ApiVersion")

    col = s.get_system_collection()
    ids = col.members_identities
    check(len(ids) == systems, "system collection lists %d members" % systems)
    for path in ids[:3]:
        sy = s.get_system(path)
        check(sy.identity == path.rsplit("/", 1)[1] and sy.uuid, "system %s Id and UUID" % path)
        check(sy.memory_summary.size_gib > 0, "system %s memory summary" % path)
        check(sy.processors.summary.count > 0, "system %s processors" % path)

    sy = s.get_system(ids[0])
    allowed = sy.get_allowed_reset_system_values()
    want = {sushy.RESET_ON, sushy.RESET_FORCE_OFF, sushy.RESET_GRACEFUL_SHUTDOWN, sushy.RESET_GRACEFUL_RESTART,
            sushy.RESET_FORCE_RESTART, sushy.RESET_NMI, sushy.RESET_FORCE_ON, sushy.RESET_PUSH_POWER_BUTTON}
    check(allowed == want, "allowed reset values %s" % sorted(v.value for v in allowed))
    power_on_off(sy)
    try:
        sy.reset_system("PowerCycle")
        check(False, "sushy refuses a reset type the system does not advertise")
    except exceptions.InvalidParameterValueError:
        print("ok sushy refuses a reset type the system does not advertise")
    sy.set_system_boot_options(target=sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE)
    sy.refresh()
    check(sy.boot.target == sushy.BOOT_SOURCE_TARGET_PXE, "boot override set through PATCH")

    conn = s._conn
    nodes = conn.get("/redfish/v1/Nodes").json()
    target = nodes["Actions"]["#ComposedNodeCollection.Allocate"]["target"]
    resp = conn.post(target, data={"Name": "sushy-node", "Processors": [{"TotalCores": 2}],
                                   "Memory": [{"CapacityMiB": 4096}]})
    check(resp.status_code == 201 and resp.headers.get("Location"), "Allocate answers 201 with Location")
    node_path = urlparse(resp.headers["Location"]).path
    node = conn.get(node_path).json()
    check(node["ComposedNodeState"] == "Allocated", "new node is Allocated")
    check(node["Links"]["ComputerSystem"]["@odata.id"].startswith("/redfish/v1/Systems/"), "node links its system")

    resp = conn.post(node["Actions"]["#ComposedNode.Assemble"]["target"])
    check(resp.status_code == 204, "Assemble answers 204")
    for _ in range(200):
        node = conn.get(node_path).json()
        if node["ComposedNodeState"] != "Assembling":
            break
        time.sleep(0.05)
    check(node["ComposedNodeState"] == "Assembled", "node is Assembled")

    reset = node["Actions"]["#ComposedNode.Reset"]
    check("On" in reset["ResetType@Redfish.AllowableValues"], "node advertises reset On")
    resp = conn.post(reset["target"], data={"ResetType": "On"})
    check(resp.status_code == 204, "node Reset answers 204")
    check(conn.get(node_path).json()["PowerState"] == "On", "node is On after Reset")

    try:
        conn.post(target, data={"TotalSystemCoreCount": 1000000})
        check(False, "an impossible Allocate fails")
    except exceptions.HTTPError as e:
        check(e.status_code == 409 and e.code == "Base.1.0.ResourcesStateMismatch",
              "impossible Allocate: 409 %s (%s)" % (e.code, e.detail))

    resp = conn.delete(node_path)
    check(resp.status_code == 204, "DELETE node answers 204")
    try:
        conn.get(node_path)
        check(False, "deleted node is gone")
    except exceptions.ResourceNotFoundError:
        print("ok deleted node answers 404")

    # Session login (sushy's default when given a user name), then logout on close.
    s2 = sushy.Sushy(base, auth=auth.SessionAuth(username=user, password=password))
    check(len(s2.get_system_collection().members_identities) == systems, "systems through a Redfish session")
    s2._conn.close()
    print("ALL OK")


if __name__ == "__main__":
    main()
