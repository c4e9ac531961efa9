// chart-render renders a Helm chart the way `helm template` does, from Debian's packages of the libraries
// Helm's engine is made of (text/template, sprig, sigs.k8s.io/yaml, gojsonschema). See README.md for the
// features it covers.
package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

const usage = `usage: chart-render template RELEASE CHART [flags]

flags:
  -n, --namespace NS       release namespace (default "default")
  -f, --values FILE        values file, may repeat; later files win
      --set K=V[,K=V]      set values (typed: true, false, null, integers), may repeat
      --set-string K=V     set values as strings, may repeat
      --kube-version V     Kubernetes version for .Capabilities and the chart's kubeVersion (default ` + defaultKubeVersion + `)
  -a, --api-versions V     extra API version for .Capabilities.APIVersions, may repeat
      --strict             fail on a missing map key, as helm lint --strict does
      --notes              print NOTES.txt after the manifests`

const defaultKubeVersion = "v1.31.0"

// Release names as Helm accepts them: a DNS-1123 subdomain of at most 53 characters.
var releaseNamePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

const maxReleaseNameLength = 53

type options struct {
	release, chart, namespace, kubeVersion string
	valueFiles, apiVersions                []string
	sets                                   []setArg
	strict, notes                          bool
}

type setArg struct {
	value string
	typed bool
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "Error: "+err.Error())
		os.Exit(1)
	}
}

func parseArgs(args []string) (*options, error) {
	o := &options{namespace: "default", kubeVersion: defaultKubeVersion}
	var positional []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := arg, "", false
		if strings.HasPrefix(arg, "--") {
			if eq := strings.Index(arg, "="); eq > 0 {
				name, value, hasValue = arg[:eq], arg[eq+1:], true
			}
		}
		next := func() (string, error) {
			if hasValue {
				return value, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag %s needs a value", name)
			}
			i++
			return args[i], nil
		}
		var err error
		var v string
		switch name {
		case "-n", "--namespace":
			o.namespace, err = next()
		case "-f", "--values":
			v, err = next()
			o.valueFiles = append(o.valueFiles, v)
		case "--set":
			v, err = next()
			o.sets = append(o.sets, setArg{v, true})
		case "--set-string":
			v, err = next()
			o.sets = append(o.sets, setArg{v, false})
		case "--kube-version":
			o.kubeVersion, err = next()
		case "-a", "--api-versions":
			v, err = next()
			o.apiVersions = append(o.apiVersions, v)
		case "--strict":
			o.strict = true
		case "--notes":
			o.notes = true
		case "-h", "--help":
			return nil, fmt.Errorf("%s", usage)
		default:
			if strings.HasPrefix(arg, "-") {
				return nil, fmt.Errorf("unknown flag %s\n%s", arg, usage)
			}
			positional = append(positional, arg)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(positional) != 3 || positional[0] != "template" {
		return nil, fmt.Errorf("%s", usage)
	}
	o.release, o.chart = positional[1], positional[2]
	return o, nil
}

func run(args []string, out io.Writer) error {
	o, err := parseArgs(args)
	if err != nil {
		return err
	}
	if len(o.release) > maxReleaseNameLength || !releaseNamePattern.MatchString(o.release) {
		return fmt.Errorf("release name %q: invalid release name, must match regex %s and the length must not be longer than %d",
			o.release, releaseNamePattern, maxReleaseNameLength)
	}
	if !releaseNamePattern.MatchString(o.namespace) || len(o.namespace) > 63 || strings.Contains(o.namespace, ".") {
		return fmt.Errorf("namespace %q is not a DNS-1123 label", o.namespace)
	}
	kube, err := semver.NewVersion(o.kubeVersion)
	if err != nil {
		return fmt.Errorf("--kube-version %q: %v", o.kubeVersion, err)
	}

	c, err := loadChart(o.chart)
	if err != nil {
		return err
	}
	if c.Metadata.KubeVersion != "" {
		constraint, err := semver.NewConstraint(c.Metadata.KubeVersion)
		if err != nil {
			return fmt.Errorf("Chart.yaml: kubeVersion %q: %v", c.Metadata.KubeVersion, err)
		}
		if !constraint.Check(kube) {
			return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", c.Metadata.KubeVersion, o.kubeVersion)
		}
	}

	user := map[string]interface{}{}
	for _, file := range o.valueFiles {
		values, err := readValuesFile(file)
		if err != nil {
			return err
		}
		user = mergeUserValues(user, values)
	}
	for _, s := range o.sets {
		if err := applySet(user, s.value, s.typed); err != nil {
			return err
		}
	}
	values := coalesce(user, c.Defaults)
	// Helm always passes a global map, to the schema as well.
	if _, ok := values["global"].(map[string]interface{}); !ok {
		values["global"] = map[string]interface{}{}
	}
	if err := validate(c, values); err != nil {
		return err
	}

	r, err := newRenderer(c, o.strict)
	if err != nil {
		return err
	}
	top := map[string]interface{}{
		"Values":  values,
		"Chart":   c.Metadata,
		"Release": Release{Name: o.release, Namespace: o.namespace, Service: "Helm", Revision: 1, IsInstall: true},
		"Capabilities": Capabilities{
			KubeVersion: KubeVersion{
				Version:    "v" + kube.String(),
				Major:      fmt.Sprint(kube.Major()),
				Minor:      fmt.Sprint(kube.Minor()),
				GitVersion: "v" + kube.String(),
			},
			APIVersions: append(APIVersions{"v1", "apps/v1", "policy/v1", "networking.k8s.io/v1",
				"rbac.authorization.k8s.io/v1", "apiregistration.k8s.io/v1", "coordination.k8s.io/v1"}, o.apiVersions...),
			HelmVersion: map[string]string{"Version": "chart-render"},
		},
		"Files": c.Files,
	}
	manifests, notes, err := r.render(top)
	if err != nil {
		return err
	}
	var all []manifest
	for _, m := range manifests {
		docs, err := documents(m)
		if err != nil {
			return err
		}
		for _, doc := range docs {
			all = append(all, manifest{source: m.Name, kind: kindOf(doc), text: doc})
		}
	}
	sortByInstallOrder(all)
	var b strings.Builder
	for _, m := range all {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.source, m.text)
	}
	if o.notes && notes != "" {
		fmt.Fprintf(&b, "NOTES:\n%s\n", notes)
	}
	_, err = io.WriteString(out, b.String())
	return err
}
