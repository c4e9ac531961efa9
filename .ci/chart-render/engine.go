package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
)

// Release is .Release as `helm template` sets it: a first install.
type Release struct {
	Name      string
	Namespace string
	Service   string
	Revision  int
	IsInstall bool
	IsUpgrade bool
}

type KubeVersion struct {
	Version    string
	Major      string
	Minor      string
	GitVersion string
}

func (k KubeVersion) String() string { return k.Version }

type APIVersions []string

// Has reports whether an API version ("apps/v1") or version and kind ("apps/v1/Deployment") is available.
func (a APIVersions) Has(version string) bool {
	for _, v := range a {
		if v == version {
			return true
		}
	}
	return false
}

type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions APIVersions
	HelmVersion map[string]string
}

type TemplateInfo struct {
	Name     string
	BasePath string
}

// includeDepth bounds include/tpl recursion, as a template that includes itself would otherwise never end.
const includeDepth = 1000

type renderer struct {
	root   *template.Template
	chart  *Chart
	depth  int
	strict bool
}

func newRenderer(c *Chart, strict bool) (*renderer, error) {
	r := &renderer{chart: c, strict: strict}
	r.root = template.New("chart")
	if strict {
		r.root.Option("missingkey=error")
	} else {
		r.root.Option("missingkey=zero")
	}
	r.root.Funcs(r.funcs())
	names := make([]string, 0, len(c.Templates))
	for name := range c.Templates {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := r.root.New(name).Parse(c.Templates[name]); err != nil {
			return nil, fmt.Errorf("parse error in %v", strings.TrimPrefix(err.Error(), "template: "))
		}
	}
	return r, nil
}

func (r *renderer) funcs() template.FuncMap {
	f := sprig.TxtFuncMap()
	// As in Helm: templates cannot read the renderer's environment.
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["fromYaml"] = fromYAML
	f["fromYamlArray"] = fromYAMLArray
	f["toJson"] = toJSON
	f["fromJson"] = fromJSON
	f["fromJsonArray"] = fromJSONArray
	f["required"] = required
	// helm template talks to no cluster: lookup finds nothing.
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	f["include"] = r.include
	f["tpl"] = r.tpl
	return f
}

func (r *renderer) include(name string, data interface{}) (string, error) {
	if r.depth >= includeDepth {
		return "", fmt.Errorf("include of %q nested more than %d deep", name, includeDepth)
	}
	r.depth++
	defer func() { r.depth-- }()
	var buf bytes.Buffer
	if err := r.root.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// tpl renders a string as a template with the chart's named templates available; the data is usually ".".
func (r *renderer) tpl(text string, data interface{}) (string, error) {
	if r.depth >= includeDepth {
		return "", fmt.Errorf("tpl nested more than %d deep", includeDepth)
	}
	r.depth++
	defer func() { r.depth-- }()
	clone, err := r.root.Clone()
	if err != nil {
		return "", err
	}
	t, err := clone.New("tpl").Parse(text)
	if err != nil {
		return "", fmt.Errorf("cannot parse template %q: %v", text, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("error calling tpl: %v", err)
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

func required(message string, value interface{}) (interface{}, error) {
	if value == nil {
		return nil, fmt.Errorf("%s", message)
	}
	if s, ok := value.(string); ok && s == "" {
		return nil, fmt.Errorf("%s", message)
	}
	return value, nil
}

// toYaml as Helm has it: sigs.k8s.io/yaml without the final newline, "" when the value cannot be marshalled.
func toYAML(v interface{}) string {
	out, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	a := []interface{}{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	out, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(out)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// Rendered is one template's output.
type Rendered struct {
	Name string
	Text string
}

// render executes every template whose base name does not start with "_" (NOTES.txt separately) with the
// top-level object templates see.
func (r *renderer) render(top map[string]interface{}) (manifests []Rendered, notes string, err error) {
	names := make([]string, 0, len(r.chart.Templates))
	for name := range r.chart.Templates {
		if !strings.HasPrefix(path.Base(name), "_") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		data := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = TemplateInfo{Name: name, BasePath: path.Join(r.chart.Metadata.Name, "templates")}
		var buf bytes.Buffer
		if err := r.root.ExecuteTemplate(&buf, name, data); err != nil {
			return nil, "", executionError(err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if path.Base(name) == "NOTES.txt" {
			notes = text
			continue
		}
		manifests = append(manifests, Rendered{Name: name, Text: text})
	}
	return manifests, notes, nil
}

var execErrorPattern = regexp.MustCompile(`^template: (?:[^:]*: )?([^:]+:\d+:\d+): executing "[^"]*" at <[^>]*>: error calling \w+: (.*)$`)

// executionError shortens text/template's error to the location and the message, as Helm prints it for
// required and fail: "execution error at (chart/templates/x.yaml:12:5): message".
func executionError(err error) error {
	msg := err.Error()
	// An error inside include carries the innermost location last; report the first line's location.
	if m := execErrorPattern.FindStringSubmatch(msg); m != nil {
		inner := m[2]
		for {
			next := execErrorPattern.FindStringSubmatch(inner)
			if next == nil {
				break
			}
			inner = next[2]
		}
		return fmt.Errorf("execution error at (%s): %s", m[1], inner)
	}
	return fmt.Errorf("%s", strings.TrimPrefix(msg, "template: "))
}

var documentSeparator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// documents splits a rendered template into YAML documents, drops those with nothing but comments and
// blank lines, and checks that each parses (Helm refuses a release whose manifests are not YAML).
func documents(r Rendered) ([]string, error) {
	var out []string
	for _, doc := range documentSeparator.Split(r.Text, -1) {
		if isBlank(doc) {
			continue
		}
		var parsed interface{}
		if err := yaml.Unmarshal([]byte(doc), &parsed); err != nil {
			return nil, fmt.Errorf("YAML parse error on %s: %v", r.Name, err)
		}
		if parsed == nil {
			continue
		}
		if _, ok := parsed.(map[string]interface{}); !ok {
			return nil, fmt.Errorf("YAML parse error on %s: a manifest must be a mapping, not %T", r.Name, parsed)
		}
		out = append(out, strings.Trim(doc, "\n"))
	}
	return out, nil
}

func isBlank(doc string) bool {
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}
