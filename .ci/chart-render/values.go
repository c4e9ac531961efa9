package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// Values files are read the way Helm reads them: YAML converted to JSON, so every number becomes a float64
// (which is why a large integer in values.yaml prints in exponent form, in Helm and here alike).
func readValuesFile(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseValues(data, path)
}

func parseValues(data []byte, source string) (map[string]interface{}, error) {
	values := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("failed to parse %s: %v", source, err)
	}
	if values == nil {
		values = map[string]interface{}{}
	}
	return values, nil
}

// mergeUserValues merges one -f file over the ones before it: maps merge key by key, anything else is replaced.
func mergeUserValues(base, over map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if overMap, ok := v.(map[string]interface{}); ok {
			if baseMap, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeUserValues(baseMap, overMap)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce lays the user's values over the chart's defaults. A user value of null removes the key, default
// included, which is how a user turns off a default map such as resources.
func coalesce(user, defaults map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(defaults))
	for k, v := range defaults {
		out[k] = deepCopy(v)
	}
	for k, v := range user {
		if v == nil {
			delete(out, k)
			continue
		}
		userMap, userIsMap := v.(map[string]interface{})
		defaultMap, defaultIsMap := out[k].(map[string]interface{})
		switch {
		case userIsMap && defaultIsMap:
			out[k] = coalesce(userMap, defaultMap)
		case userIsMap:
			out[k] = coalesce(userMap, map[string]interface{}{})
		default:
			out[k] = v
		}
	}
	return out
}

func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, e := range t {
			out[k] = deepCopy(e)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}

// applySet applies one --set (or --set-string) argument: comma-separated key=value pairs, dotted keys with
// [index] suffixes, "\" escaping a dot, comma, equals sign or brace, and {a,b} list literals.
func applySet(values map[string]interface{}, arg string, typed bool) error {
	for _, pair := range splitUnescaped(arg, ',', true) {
		if pair == "" {
			continue
		}
		eq := indexUnescaped(pair, '=')
		if eq < 0 {
			return fmt.Errorf("--set %q: key %q has no value (write key=value)", arg, pair)
		}
		path, err := parseKeyPath(pair[:eq])
		if err != nil {
			return fmt.Errorf("--set %q: %v", arg, err)
		}
		value := setValue(pair[eq+1:], typed)
		setPath(values, path, value)
	}
	return nil
}

type pathPart struct {
	key   string
	index int // -1 when the part is a map key
}

func parseKeyPath(key string) ([]pathPart, error) {
	var parts []pathPart
	for _, segment := range splitUnescaped(key, '.', false) {
		name := segment
		var indexes []int
		for strings.HasSuffix(name, "]") {
			open := strings.LastIndex(name, "[")
			if open < 0 {
				return nil, fmt.Errorf("key %q has an unmatched ]", key)
			}
			n, err := strconv.Atoi(name[open+1 : len(name)-1])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("key %q has a list index that is not a non-negative integer", key)
			}
			if n > 65536 {
				return nil, fmt.Errorf("key %q: list index %d is above 65536", key, n)
			}
			indexes = append([]int{n}, indexes...)
			name = name[:open]
		}
		name = unescape(name)
		if name == "" {
			return nil, fmt.Errorf("key %q has an empty name", key)
		}
		parts = append(parts, pathPart{key: name, index: -1})
		for _, n := range indexes {
			parts = append(parts, pathPart{index: n})
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty key")
	}
	return parts, nil
}

// setPath returns node with value stored at path, creating maps and lists on the way (a list grows with
// nulls up to the index).
func setPath(node interface{}, path []pathPart, value interface{}) interface{} {
	if len(path) == 0 {
		return value
	}
	part := path[0]
	if part.index < 0 {
		m, ok := node.(map[string]interface{})
		if !ok {
			m = map[string]interface{}{}
		}
		m[part.key] = setPath(m[part.key], path[1:], value)
		return m
	}
	list, _ := node.([]interface{})
	for len(list) <= part.index {
		list = append(list, nil)
	}
	list[part.index] = setPath(list[part.index], path[1:], value)
	return list
}

func setValue(raw string, typed bool) interface{} {
	if strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") && !strings.HasSuffix(raw, "\\}") {
		items := []interface{}{}
		inner := raw[1 : len(raw)-1]
		if inner == "" {
			return items
		}
		for _, item := range splitUnescaped(inner, ',', false) {
			items = append(items, scalar(unescape(item), typed))
		}
		return items
	}
	return scalar(unescape(raw), typed)
}

// scalar types a --set value: true, false and null keep their YAML meaning, a plain integer (no sign
// other than '-', no leading zero) becomes an int64, anything else stays a string. --set-string never types.
func scalar(v string, typed bool) interface{} {
	if !typed {
		return v
	}
	switch v {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	digits := strings.TrimPrefix(v, "-")
	if digits != "" && (digits == "0" || digits[0] != '0') {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return v
}

// splitUnescaped splits on sep where it is not escaped by a backslash (and, with braces, not inside {...}).
func splitUnescaped(s string, sep byte, braces bool) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case braces && s[i] == '{':
			depth++
		case braces && s[i] == '}' && depth > 0:
			depth--
		case s[i] == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func indexUnescaped(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == c {
			return i
		}
	}
	return -1
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
