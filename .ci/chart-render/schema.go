package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/xeipuuv/gojsonschema"
)

// validate checks the merged values against values.schema.json, as Helm does before rendering.
func validate(c *Chart, values map[string]interface{}) error {
	if len(c.Schema) == 0 {
		return nil
	}
	result, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(c.Schema), gojsonschema.NewGoLoader(values))
	if err != nil {
		return fmt.Errorf("values.schema.json of %s cannot be used: %v", c.Metadata.Name, err)
	}
	if result.Valid() {
		return nil
	}
	var lines []string
	for _, e := range result.Errors() {
		lines = append(lines, fmt.Sprintf("- %s: %s", e.Field(), e.Description()))
	}
	sort.Strings(lines)
	return fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n%s",
		c.Metadata.Name, strings.Join(lines, "\n"))
}
