package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"
)

// Metadata is Chart.yaml under the field names templates use (.Chart.Name, .Chart.AppVersion, ...).
type Metadata struct {
	APIVersion   string            `json:"apiVersion"`
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Description  string            `json:"description,omitempty"`
	Type         string            `json:"type,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Maintainers  []interface{}     `json:"maintainers,omitempty"`
	Dependencies []interface{}     `json:"dependencies,omitempty"`
}

type Chart struct {
	Dir       string
	Metadata  Metadata
	Defaults  map[string]interface{}
	Schema    []byte
	Templates map[string]string // "<chart>/templates/<path>" -> text
	Files     Files             // every other file not ignored by .helmignore
}

var chartNamePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func loadChart(dir string) (*Chart, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a chart: %v", dir, err)
	}
	c := &Chart{Dir: dir, Templates: map[string]string{}, Files: Files{}}
	if err := yaml.UnmarshalStrict(raw, &c.Metadata); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %v", err)
	}
	m := c.Metadata
	switch {
	case m.APIVersion != "v2":
		return nil, fmt.Errorf("Chart.yaml: apiVersion must be v2, not %q", m.APIVersion)
	case !chartNamePattern.MatchString(m.Name):
		return nil, fmt.Errorf("Chart.yaml: name %q must be lower-case letters, digits and '-'", m.Name)
	case m.Type != "" && m.Type != "application":
		return nil, fmt.Errorf("Chart.yaml: type %q: only application charts are rendered", m.Type)
	case len(m.Dependencies) > 0:
		return nil, fmt.Errorf("Chart.yaml: dependencies (subcharts) are not supported by this renderer")
	}
	if _, err := semver.StrictNewVersion(m.Version); err != nil {
		return nil, fmt.Errorf("Chart.yaml: version %q is not SemVer 2: %v", m.Version, err)
	}
	if c.Defaults, err = readValuesFile(filepath.Join(dir, "values.yaml")); err != nil {
		if !os.IsNotExist(err) {
			return nil, err
		}
		c.Defaults = map[string]interface{}{}
	}
	if c.Schema, err = os.ReadFile(filepath.Join(dir, "values.schema.json")); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	ignore, err := readHelmignore(filepath.Join(dir, ".helmignore"))
	if err != nil {
		return nil, err
	}
	err = filepath.Walk(dir, func(file string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, file)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if ignore.matches(rel, info.IsDir()) {
			if info.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if info.IsDir() {
			if rel == "charts" {
				return fmt.Errorf("charts/: subcharts are not supported by this renderer")
			}
			return nil
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			c.Templates[path.Join(m.Name, rel)] = string(data)
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json" || rel == "Chart.lock":
		default:
			c.Files[rel] = data
		}
		return nil
	})
	return c, err
}

// helmignore holds .helmignore's patterns: shell globs matched against the relative path and against the
// base name, a trailing "/" for directories only, a leading "!" to negate. Later lines win.
type helmignore []struct {
	pattern string
	negate  bool
	dirOnly bool
}

func readHelmignore(file string) (helmignore, error) {
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rules helmignore
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rule := struct {
			pattern string
			negate  bool
			dirOnly bool
		}{}
		if strings.HasPrefix(line, "!") {
			rule.negate, line = true, line[1:]
		}
		if strings.HasSuffix(line, "/") {
			rule.dirOnly, line = true, strings.TrimSuffix(line, "/")
		}
		if strings.Contains(line, "**") {
			return nil, fmt.Errorf(".helmignore: %q: ** patterns are not supported by this renderer", line)
		}
		rule.pattern = strings.TrimPrefix(line, "/")
		rules = append(rules, rule)
	}
	return rules, nil
}

func (h helmignore) matches(rel string, dir bool) bool {
	if rel == ".helmignore" {
		return true
	}
	ignored := false
	for _, rule := range h {
		if rule.dirOnly && !dir {
			continue
		}
		full, _ := path.Match(rule.pattern, rel)
		base, _ := path.Match(rule.pattern, path.Base(rel))
		if full || (!strings.Contains(rule.pattern, "/") && base) {
			ignored = !rule.negate
		}
	}
	return ignored
}

// Files is .Files: the chart's non-template files by relative path.
type Files map[string][]byte

func (f Files) GetBytes(name string) []byte { return f[name] }

func (f Files) Get(name string) string { return string(f[name]) }

func (f Files) Lines(name string) []string {
	if f[name] == nil {
		return []string{}
	}
	return strings.Split(strings.TrimSuffix(string(f[name]), "\n"), "\n")
}

func (f Files) Glob(pattern string) Files {
	out := Files{}
	for name, data := range f {
		if ok, _ := path.Match(pattern, name); ok {
			out[name] = data
		}
	}
	return out
}

// AsConfig renders the files as a ConfigMap data map: base name -> content, as YAML.
func (f Files) AsConfig() string {
	if len(f) == 0 {
		return ""
	}
	data := map[string]string{}
	for _, name := range f.names() {
		data[path.Base(name)] = string(f[name])
	}
	out, _ := yaml.Marshal(data)
	return strings.TrimSuffix(string(out), "\n")
}

func (f Files) names() []string {
	names := make([]string, 0, len(f))
	for name := range f {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
