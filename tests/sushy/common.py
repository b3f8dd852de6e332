"""What check.py and check_plain.py share."""

import sushy


def check(cond, what):
    """Print "ok what", or raise when cond is false."""
    if not cond:
        raise AssertionError(what)
    print("ok", what)


def power_on_off(sy):
    """Reset the system On, then ForceOff, checking the power state after each."""
    sy.reset_system(sushy.RESET_ON)
    sy.refresh()
    check(sy.power_state == sushy.POWER_STATE_ON, "reset On powers the system on")
    sy.reset_system(sushy.RESET_FORCE_OFF)
    sy.refresh()
    check(sy.power_state == sushy.POWER_STATE_OFF, "reset ForceOff powers it off")
