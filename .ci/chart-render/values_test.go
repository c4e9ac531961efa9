package main

import (
	"reflect"
	"testing"
)

func TestSetParsesKeysListsEscapesAndTypes(t *testing.T) {
	values := map[string]interface{}{}
	for _, arg := range []string{
		"a.b=1,a.c=true,a.d=null,a.e=007,a.f=-3,a.g=x\\,y",
		"list[1].name=second,list[0]=first",
		`annotations.eks\.amazonaws\.com/role-arn=arn:aws:iam::1:role/r`,
		"names={one,two,3}",
		"empty={}",
	} {
		if err := applySet(values, arg, true); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
	}
	want := map[string]interface{}{
		"a":           map[string]interface{}{"b": int64(1), "c": true, "d": nil, "e": "007", "f": int64(-3), "g": "x,y"},
		"list":        []interface{}{"first", map[string]interface{}{"name": "second"}},
		"annotations": map[string]interface{}{"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r"},
		"names":       []interface{}{"one", "two", int64(3)},
		"empty":       []interface{}{},
	}
	if !reflect.DeepEqual(values, want) {
		t.Fatalf("got %#v\nwant %#v", values, want)
	}
}

func TestSetStringKeepsEveryValueAString(t *testing.T) {
	values := map[string]interface{}{}
	if err := applySet(values, "a=1,b=true,c=null", false); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(values, map[string]interface{}{"a": "1", "b": "true", "c": "null"}) {
		t.Fatalf("got %#v", values)
	}
}

func TestSetRefusesMalformedArguments(t *testing.T) {
	for _, arg := range []string{"novalue", "a[x]=1", "a]=1", ".a=1", "a[70000]=1"} {
		if err := applySet(map[string]interface{}{}, arg, true); err == nil {
			t.Errorf("--set %s was accepted", arg)
		}
	}
}

func TestUserNullDeletesADefaultAndMapsMergeKeyByKey(t *testing.T) {
	defaults := map[string]interface{}{
		"resources": map[string]interface{}{"limits": map[string]interface{}{"memory": "256Mi"}},
		"image":     map[string]interface{}{"repository": "r", "tag": ""},
		"kept":      nil,
	}
	user := mergeUserValues(
		map[string]interface{}{"image": map[string]interface{}{"tag": "1"}, "resources": map[string]interface{}{"x": 1}},
		map[string]interface{}{"resources": nil},
	)
	got := coalesce(user, defaults)
	want := map[string]interface{}{"image": map[string]interface{}{"repository": "r", "tag": "1"}, "kept": nil}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	if defaults["image"].(map[string]interface{})["tag"] != "" {
		t.Fatal("coalescing changed the chart's defaults")
	}
}

func TestValuesFilesReadNumbersAsHelmDoes(t *testing.T) {
	values, err := parseValues([]byte("replicas: 2\nbig: 1000000\n"), "values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := values["replicas"].(float64); !ok {
		t.Fatalf("replicas is %T, Helm reads values files through JSON (float64)", values["replicas"])
	}
}
