package templates

import (
	"slices"
	"testing"
)

// TestPlanNamesMatchModel checks that the names the emitter declares are
// those the loader checks for clashes (model.Type's names).
func TestPlanNamesMatchModel(t *testing.T) {
	for _, typ := range accountModel().Types {
		p, err := planType(typ)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{p.fieldsVar, p.repoType, p.repoCtor}
		p.walk(func(n *fieldNode) {
			if n.nested != "" {
				got = append(got, n.nested)
			}
		})
		if want := typ.GeneratedNames(); !slices.Equal(got, want) {
			t.Errorf("%s: the plan declares %v, the model names %v", typ.Name, got, want)
		}
	}
	unexported := accountModel().Types[0]
	unexported.Name = "account"
	p, err := planType(unexported)
	if err != nil {
		t.Fatal(err)
	}
	if p.repoCtor != unexported.RepoCtor() {
		t.Errorf("repository constructor of an unexported type: plan %s, model %s", p.repoCtor, unexported.RepoCtor())
	}
}
