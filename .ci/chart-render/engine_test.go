package main

import (
	"strings"
	"testing"
)

func chartOf(templates map[string]string, files Files) *Chart {
	c := &Chart{Metadata: Metadata{APIVersion: "v2", Name: "demo", Version: "0.1.0"}, Templates: map[string]string{}, Files: files}
	for name, text := range templates {
		c.Templates["demo/templates/"+name] = text
	}
	return c
}

func renderOne(t *testing.T, templates map[string]string, values map[string]interface{}) (string, error) {
	t.Helper()
	c := chartOf(templates, Files{"dashboards/a.json": []byte("{\"a\": 1}\n")})
	r, err := newRenderer(c, false)
	if err != nil {
		return "", err
	}
	out, _, err := r.render(map[string]interface{}{"Values": values, "Release": Release{Name: "rel", Namespace: "ns"}, "Files": c.Files})
	if err != nil {
		return "", err
	}
	var texts []string
	for _, m := range out {
		texts = append(texts, m.Text)
	}
	return strings.Join(texts, "|"), nil
}

func TestIncludeTplToYamlAndFilesWorkAsInHelm(t *testing.T) {
	out, err := renderOne(t, map[string]string{
		"_helpers.tpl": `{{- define "demo.name" -}}{{ .Release.Name }}-demo{{- end }}`,
		"a.yaml": `name: {{ include "demo.name" . | upper }}
tpl: {{ tpl .Values.text . }}
yaml:
  {{- toYaml .Values.map | nindent 2 }}
missing: "{{ .Values.nothing }}"
file: {{ .Files.Get "dashboards/a.json" | trim }}`,
	}, map[string]interface{}{"text": "{{ .Release.Namespace }}", "map": map[string]interface{}{"b": float64(2), "a": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "name: REL-DEMO\ntpl: ns\nyaml:\n  a: x\n  b: 2\nmissing: \"\"\nfile: {\"a\": 1}"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

func TestPartialsRenderNothingAndEnvIsNotAvailable(t *testing.T) {
	out, err := renderOne(t, map[string]string{"_x.tpl": "partial", "b.yaml": "b: 1"}, nil)
	if err != nil || out != "b: 1" {
		t.Fatalf("got %q, %v", out, err)
	}
	if _, err := renderOne(t, map[string]string{"c.yaml": `{{ env "HOME" }}`}, nil); err == nil {
		t.Fatal("env is available to templates")
	}
}

func TestRequiredAndFailReportTheTemplateLocationAndMessage(t *testing.T) {
	_, err := renderOne(t, map[string]string{
		"_h.tpl": `{{- define "demo.sa" -}}{{ required "serviceAccount.name is required" .Values.name }}{{- end }}`,
		"d.yaml": "a: 1\nb: {{ include \"demo.sa\" . }}",
	}, map[string]interface{}{})
	if err == nil || !strings.HasPrefix(err.Error(), "execution error at (demo/templates/") || !strings.HasSuffix(err.Error(), "): serviceAccount.name is required") {
		t.Fatalf("got %v", err)
	}
	_, err = renderOne(t, map[string]string{"e.yaml": `{{ fail "scrapeTimeout is longer than interval" }}`}, nil)
	if err == nil || !strings.Contains(err.Error(), "demo/templates/e.yaml:1:3): scrapeTimeout is longer than interval") {
		t.Fatalf("got %v", err)
	}
}

func TestRenderedDocumentsMustBeYamlMappings(t *testing.T) {
	if _, err := documents(Rendered{Name: "x.yaml", Text: "a: 1\n---\n# only a comment\n---\nb: [\n"}); err == nil || !strings.Contains(err.Error(), "YAML parse error on x.yaml") {
		t.Fatalf("got %v", err)
	}
	docs, err := documents(Rendered{Name: "x.yaml", Text: "a: 1\n---\n# only a comment\n---\nb: 2\n"})
	if err != nil || len(docs) != 2 {
		t.Fatalf("got %v, %v", docs, err)
	}
}

func TestReleaseNamesOverFiftyThreeCharactersAreRefused(t *testing.T) {
	err := run([]string{"template", strings.Repeat("a", 54), "."}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "53") {
		t.Fatalf("got %v", err)
	}
}

func TestManifestsComeInHelmsInstallOrder(t *testing.T) {
	m := []manifest{{kind: "Deployment"}, {kind: "PrometheusRule"}, {kind: "Service"}, {kind: "ServiceAccount"},
		{kind: "Certificate"}, {kind: "Role", source: "first"}, {kind: "APIService"}, {kind: "Role", source: "second"}}
	sortByInstallOrder(m)
	var got []string
	for _, x := range m {
		got = append(got, x.kind+x.source)
	}
	want := "ServiceAccount Rolefirst Rolesecond Service Deployment APIService Certificate PrometheusRule"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %v", got)
	}
}
