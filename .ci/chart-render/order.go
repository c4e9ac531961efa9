package main

import (
	"sort"

	"sigs.k8s.io/yaml"
)

// installOrder is the order in which Helm installs kinds, and so prints them in helm template: what others
// depend on first. Kinds not listed follow, by kind name.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
	"ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
	"Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
}

type manifest struct {
	source, kind, text string
}

// sortByInstallOrder orders manifests as Helm does: by kind rank, keeping the template order within a kind.
func sortByInstallOrder(manifests []manifest) {
	rank := map[string]int{}
	for i, kind := range installOrder {
		rank[kind] = i
	}
	sort.SliceStable(manifests, func(i, j int) bool {
		ri, knownI := rank[manifests[i].kind]
		rj, knownJ := rank[manifests[j].kind]
		switch {
		case knownI && knownJ:
			return ri < rj
		case knownI != knownJ:
			return knownI
		default:
			return manifests[i].kind < manifests[j].kind
		}
	})
}

func kindOf(doc string) string {
	var head struct {
		Kind string `json:"kind"`
	}
	_ = yaml.Unmarshal([]byte(doc), &head)
	return head.Kind
}
