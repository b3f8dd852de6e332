package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// FlexInt is an integer in a request body that may come as a JSON number or
// as a string of digits, because Valence's schemas took numbers as strings
// ("total_cores": "4"). It marshals as a number. Whether the value is in
// range (e.g. not negative) is for the validator to say, not the type.
type FlexInt int

// UnmarshalJSON accepts 4 and "4"; null leaves the value unchanged, as for
// any Go value.
func (n *FlexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	text := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
	}
	v, err := strconv.Atoi(text)
	if err != nil {
		return fmt.Errorf("%s is not an integer (a JSON number or a string of digits)", b)
	}
	*n = FlexInt(v)
	return nil
}
