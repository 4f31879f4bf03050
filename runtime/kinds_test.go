package runtime_test

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongotxgen/mongotxgen/runtime"
)

type edition struct {
	Year   int    `bson:"year"`
	Format string `bson:"format"`
}

type cents int64

type isbn string

// bookFields is what generated code declares for a book with tags and
// editions, written by hand.
var bookFields = struct {
	Title    runtime.StringField[string]
	ISBN     runtime.StringField[isbn]
	Copies   runtime.NumberField[int]
	Price    runtime.NumberField[cents]
	Rating   runtime.NumberField[float64]
	Added    runtime.OrderedField[time.Time]
	Loaned   runtime.ValueField[bool]
	Tags     runtime.SliceField[string]
	Scores   runtime.SliceField[int]
	Editions struct {
		runtime.StructSliceField[edition]
		Year   runtime.NumberField[int]
		Format runtime.StringField[string]
	}
}{
	Title:  runtime.NewStringField[string]("title"),
	ISBN:   runtime.NewStringField[isbn]("isbn"),
	Copies: runtime.NewNumberField[int]("copies"),
	Price:  runtime.NewNumberField[cents]("price"),
	Rating: runtime.NewNumberField[float64]("rating"),
	Added:  runtime.NewOrderedField[time.Time]("added"),
	Loaned: runtime.NewValueField[bool]("loaned"),
	Tags:   runtime.NewSliceField[string]("tags"),
	Scores: runtime.NewSliceField[int]("scores"),
	Editions: struct {
		runtime.StructSliceField[edition]
		Year   runtime.NumberField[int]
		Format runtime.StringField[string]
	}{
		StructSliceField: runtime.NewStructSliceField[edition]("editions"),
		Year:             runtime.NewNumberField[int]("editions.year"),
		Format:           runtime.NewStringField[string]("editions.format"),
	},
}

func TestKindFilterDocuments(t *testing.T) {
	b := bookFields
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		f    runtime.Filter
		want string
	}{
		{"value Eq", b.Loaned.Eq(true), `{"loaned":true}`},
		{"value Nin", b.Loaned.Nin(false), `{"loaned":{"$nin":[false]}}`},
		{"ordered Lt", b.Added.Lt(day), `{"added":{"$lt":{"$date":"2026-01-02T00:00:00Z"}}}`},
		{"number Gte", b.Copies.Gte(2), `{"copies":{"$gte":2}}`},
		{"named number In", b.Price.In(100, 200), `{"price":{"$in":[100,200]}}`},
		{"string Gt", b.Title.Gt("M"), `{"title":{"$gt":"M"}}`},
		{"named string Eq", b.ISBN.Eq("978-0"), `{"isbn":"978-0"}`},
		{"Regex", b.Title.Regex("^go", "i"), `{"title":{"$regex":{"$regularExpression":{"pattern":"^go","options":"i"}}}}`},
		{"HasPrefix escapes metacharacters", b.Title.HasPrefix("C++ a.b"),
			`{"title":{"$regex":{"$regularExpression":{"pattern":"^C\\+\\+ a\\.b","options":""}}}}`},
		{"slice Eq is the whole array", b.Tags.Eq([]string{"go", "db"}), `{"tags":["go","db"]}`},
		{"slice In takes arrays", b.Tags.In([]string{"go"}), `{"tags":{"$in":[["go"]]}}`},
		{"Contains", b.Tags.Contains("go"), `{"tags":"go"}`},
		{"ContainsAll", b.Tags.ContainsAll("go", "db"), `{"tags":{"$all":["go","db"]}}`},
		{"ContainsAll none", b.Tags.ContainsAll(), `{"tags":{"$all":[]}}`},
		{"ContainsAny", b.Scores.ContainsAny(1, 2), `{"scores":{"$in":[1,2]}}`},
		{"Size", b.Tags.Size(2), `{"tags":{"$size":2}}`},
		{"struct slice Contains", b.Editions.Contains(edition{2001, "hb"}), `{"editions":{"year":2001,"format":"hb"}}`},
		{"sub-field is any-element", b.Editions.Year.Gte(2000), `{"editions.year":{"$gte":2000}}`},
		{"ElemMatch strips the array path",
			b.Editions.ElemMatch(b.Editions.Year.Gte(2000), b.Editions.Format.Eq("hb")),
			`{"editions":{"$elemMatch":{"year":{"$gte":2000},"format":"hb"}}}`},
		{"ElemMatch with one field twice uses $and",
			b.Editions.ElemMatch(b.Editions.Year.Gte(2000), b.Editions.Year.Lt(2010)),
			`{"editions":{"$elemMatch":{"$and":[{"year":{"$gte":2000}},{"year":{"$lt":2010}}]}}}`},
		{"ElemMatch rewrites inside Or and Where",
			b.Editions.ElemMatch(runtime.Or(b.Editions.Format.Eq("hb"), runtime.Where(b.Editions.Year.Lt(1950), b.Editions.Format.Eq("pb")))),
			`{"editions":{"$elemMatch":{"$or":[{"format":"hb"},{"$and":[{"year":{"$lt":1950}},{"format":"pb"}]}]}}}`},
		{"ElemMatch ignores nil", b.Editions.ElemMatch(nil, b.Editions.Year.Eq(1)), `{"editions":{"$elemMatch":{"year":1}}}`},
		{"ElemMatch of nothing", b.Editions.ElemMatch(), `{"editions":{"$elemMatch":{}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := extJSON(t, runtime.FilterDoc(tc.f)); got != tc.want {
				t.Errorf("FilterDoc = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestKindUpdateDocuments(t *testing.T) {
	b := bookFields
	for _, tc := range []struct {
		name string
		u    runtime.Update
		want string
	}{
		{"Inc", b.Copies.Inc(-1), `{"$inc":{"copies":-1}}`},
		{"Mul float", b.Rating.Mul(1.5), `{"$mul":{"rating":1.5}}`},
		{"Min", b.Price.Min(100), `{"$min":{"price":100}}`},
		{"Max string", b.Title.Max("Z"), `{"$max":{"title":"Z"}}`},
		{"Set slice", b.Tags.Set([]string{"a"}), `{"$set":{"tags":["a"]}}`},
		{"Unset", b.Tags.Unset(), `{"$unset":{"tags":""}}`},
		{"SetOnInsert", b.Title.SetOnInsert("t"), `{"$setOnInsert":{"title":"t"}}`},
		{"Push", b.Tags.Push("a", "b"), `{"$push":{"tags":{"$each":["a","b"]}}}`},
		{"Push documents", b.Editions.Push(edition{2001, "hb"}), `{"$push":{"editions":{"$each":[{"year":2001,"format":"hb"}]}}}`},
		{"AddToSet", b.Tags.AddToSet("a"), `{"$addToSet":{"tags":{"$each":["a"]}}}`},
		{"Pull", b.Scores.Pull(1, 2), `{"$pullAll":{"scores":[1,2]}}`},
		{"PopFirst", b.Tags.PopFirst(), `{"$pop":{"tags":-1}}`},
		{"PopLast", b.Tags.PopLast(), `{"$pop":{"tags":1}}`},
		{"PullMatch", b.Editions.PullMatch(b.Editions.Year.Lt(1950)), `{"$pull":{"editions":{"year":{"$lt":1950}}}}`},
		{"two Push on one field merge",
			runtime.Combine(b.Tags.Push("a"), b.Copies.Inc(1), b.Tags.Push("b", "c")),
			`{"$push":{"tags":{"$each":["a","b","c"]}},"$inc":{"copies":1}}`},
		{"Push on two fields do not merge",
			runtime.Combine(b.Tags.Push("a"), b.Scores.Push(1)),
			`{"$push":{"tags":{"$each":["a"]},"scores":{"$each":[1]}}}`},
		{"nested Combine merges too",
			runtime.Combine(runtime.Combine(b.Tags.AddToSet("a"), b.Tags.Pull("x")), runtime.Combine(b.Tags.AddToSet("b"), b.Tags.Pull("y"))),
			`{"$addToSet":{"tags":{"$each":["a","b"]}},"$pullAll":{"tags":["x","y"]}}`},
		{"Push and Pull of one field are left for the server to refuse",
			runtime.Combine(b.Tags.Push("a"), b.Tags.Pull("a")),
			`{"$push":{"tags":{"$each":["a"]}},"$pullAll":{"tags":["a"]}}`},
		{"a Raw $push is not merged",
			runtime.Combine(b.Tags.Push("a"), runtime.Raw{{Key: "$push", Value: bson.D{{Key: "tags", Value: "b"}}}}),
			`{"$push":{"tags":{"$each":["a"]},"tags":"b"}}`},
		{"legacy Field keeps Inc and gains Min", runtime.Combine(balance.Inc(1), balance.Min(0)), `{"$inc":{"balance":1},"$min":{"balance":0}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := extJSON(t, runtime.UpdateDoc(tc.u)); got != tc.want {
				t.Errorf("UpdateDoc = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestMergedPushDoesNotAlias: merging two Push builds a new list, so the
// updates that were combined can be combined again with other results.
func TestMergedPushDoesNotAlias(t *testing.T) {
	a := bookFields.Tags.Push("a")
	first := extJSON(t, runtime.UpdateDoc(runtime.Combine(a, bookFields.Tags.Push("b"))))
	second := extJSON(t, runtime.UpdateDoc(runtime.Combine(a, bookFields.Tags.Push("c"))))
	alone := extJSON(t, runtime.UpdateDoc(a))
	for _, c := range []struct{ got, want string }{
		{first, `{"$push":{"tags":{"$each":["a","b"]}}}`},
		{second, `{"$push":{"tags":{"$each":["a","c"]}}}`},
		{alone, `{"$push":{"tags":{"$each":["a"]}}}`},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}
