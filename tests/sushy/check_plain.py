"""Drive the simulator in plain Redfish mode with Debian's python3-sushy.

Usage: /usr/bin/python3 check_plain.py BASE_URL USERNAME PASSWORD SYSTEMS

The simulator runs with --rsd-version none --unimplemented-resets Nmi: a Redfish service
without RSD extensions that advertises Nmi and answers it 501, as sushy-tools does. Prints
one "ok ..." line per step and exits non-zero on the first disagreement.
"""

import sys

import sushy
from sushy import auth, exceptions

from common import check, power_on_off


def main():
    base, user, password, systems = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    s = sushy.Sushy(base, auth=auth.BasicAuth(username=user, password=password))
    check(s.redfish_version == "1.5.0", "RedfishVersion")
    check("Oem" not in s.json and "Nodes" not in s.json, "no RSD extension in the service root")
    check(len(s.get_chassis_collection().members_identities) > 0, "chassis")
    check(len(s.get_manager_collection().members_identities) > 0, "managers")

    ids = s.get_system_collection().members_identities
    check(len(ids) == systems, "system collection lists %d members" % systems)
    sy = s.get_system(ids[0])
    check("Oem" not in sy.json and "Oem" not in sy.json["Links"], "no RSD extension in a system")
    check(sy.memory_summary.size_gib > 0 and sy.processors.summary.count > 0, "system summaries")

    check(sushy.RESET_NMI in sy.get_allowed_reset_system_values(), "Nmi is advertised")
    power_on_off(sy)
    try:
        sy.reset_system(sushy.RESET_NMI)
        check(False, "an advertised Nmi that is not implemented fails")
    except exceptions.ServerSideError as e:
        check(e.status_code == 501 and "Nmi" in str(e),
              "Nmi answers 501 (%s)" % e)
    sy.set_system_boot_options(target=sushy.BOOT_SOURCE_TARGET_HDD, enabled=sushy.BOOT_SOURCE_ENABLED_CONTINUOUS)
    sy.refresh()
    check(sy.boot.target == sushy.BOOT_SOURCE_TARGET_HDD, "boot override set through PATCH")

    try:
        s._conn.get("/redfish/v1/Nodes")
        check(False, "there is no Nodes collection")
    except exceptions.ResourceNotFoundError:
        print("ok there is no Nodes collection")
    print("ALL OK")


if __name__ == "__main__":
    main()
