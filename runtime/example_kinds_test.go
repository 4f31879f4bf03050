package runtime_test

import (
	"context"
	"fmt"
	"log"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/mongotxgen/mongotxgen/runtime"
)

type exampleEdition struct {
	Year   int    `bson:"year"`
	Format string `bson:"format"`
}

type exampleBook struct {
	Title    string           `bson:"_id"`
	Tags     []string         `bson:"tags"`
	Editions []exampleEdition `bson:"editions"`
}

// exampleBookFields is what mongotxgen declares for exampleBook.
var exampleBookFields = struct {
	Title    runtime.StringField[string]
	Tags     runtime.SliceField[string]
	Editions struct {
		runtime.StructSliceField[exampleEdition]
		Year   runtime.NumberField[int]
		Format runtime.StringField[string]
	}
}{
	Title: runtime.NewStringField[string]("_id"),
	Tags:  runtime.NewSliceField[string]("tags"),
	Editions: struct {
		runtime.StructSliceField[exampleEdition]
		Year   runtime.NumberField[int]
		Format runtime.StringField[string]
	}{
		StructSliceField: runtime.NewStructSliceField[exampleEdition]("editions"),
		Year:             runtime.NewNumberField[int]("editions.year"),
		Format:           runtime.NewStringField[string]("editions.format"),
	},
}

// exampleLibrary fills a books collection of a fresh mongotest server.
func exampleLibrary(ctx context.Context, client *mongo.Client) *mongo.Collection {
	books := client.Database("library").Collection("books")
	for _, b := range []exampleBook{
		{Title: "C++ Primer", Tags: []string{"c++", "lang"}, Editions: []exampleEdition{{2012, "pb"}, {1998, "hb"}}},
		{Title: "Go in Action", Tags: []string{"go", "lang"}, Editions: []exampleEdition{{2015, "hb"}}},
		{Title: "CCC", Tags: []string{"misc"}, Editions: []exampleEdition{{1980, "pb"}}},
	} {
		if _, err := books.InsertOne(ctx, b); err != nil {
			log.Fatal(err)
		}
	}
	return books
}

func titles(ctx context.Context, books *mongo.Collection, f runtime.Filter, opts ...runtime.FindOption) []string {
	cur, err := books.Find(ctx, runtime.FilterDoc(runtime.Where(f)), runtime.FindArgs(append(opts, runtime.Sort(exampleBookFields.Title.Asc()))))
	if err != nil {
		log.Fatal(err)
	}
	var all []exampleBook
	if err := cur.All(ctx, &all); err != nil {
		log.Fatal(err)
	}
	out := []string{}
	for _, b := range all {
		out = append(out, b.Title)
	}
	return out
}

// Sub-fields of an array of sub-documents match any element; ElemMatch
// wants one element to match every filter.
func ExampleStructSliceField_ElemMatch() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	books := exampleLibrary(ctx, client)
	e := exampleBookFields.Editions

	fmt.Println(titles(ctx, books, runtime.Where(e.Year.Gte(2000), e.Format.Eq("hb"))))
	fmt.Println(titles(ctx, books, e.ElemMatch(e.Year.Gte(2000), e.Format.Eq("hb"))))
	// Output:
	// [C++ Primer Go in Action]
	// [Go in Action]
}

// HasPrefix takes its argument literally.
func ExampleStringField_HasPrefix() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	books := exampleLibrary(ctx, client)

	fmt.Println(titles(ctx, books, exampleBookFields.Title.HasPrefix("C++")))
	fmt.Println(runtime.FilterDoc(exampleBookFields.Title.HasPrefix("C++")))
	// Output:
	// [C++ Primer]
	// {"_id":{"$regex":{"$regularExpression":{"pattern":"^C\\+\\+","options":""}}}}
}

// Two Push of one field in one update become one list.
func ExampleSliceField_Push() {
	tags := exampleBookFields.Tags
	fmt.Println(runtime.UpdateDoc(runtime.Combine(tags.Push("new"), tags.Push("hot", "sale"))))
	// Output:
	// {"$push":{"tags":{"$each":["new","hot","sale"]}}}
}

// Select reads only some fields; the others stay zero.
func ExampleSelect() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	books := exampleLibrary(ctx, client)

	var b exampleBook
	err := books.FindOne(ctx, bson.D{{Key: "_id", Value: "CCC"}}, runtime.FindOneArgs([]runtime.FindOption{runtime.Select(exampleBookFields.Tags)})).Decode(&b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q %v %v\n", b.Title, b.Tags, b.Editions)
	// Output:
	// "CCC" [misc] []
}

// Distinct returns the values of the field's Go type: the elements, for an
// array.
func ExampleDistinct() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	books := exampleLibrary(ctx, client)

	repo := runtime.NewRepo(books, nil, &runtime.Schema{Doc: (*exampleBook)(nil), ID: "Title"})
	tags, err := runtime.Distinct(ctx, repo, exampleBookFields.Tags, exampleBookFields.Tags.Contains("lang"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tags)
	// Output:
	// [c++ go lang]
}

// A repository's BulkWrite reads each op, applies its stamps, and sends
// the driver's models.
func ExampleBulkSpecOf() {
	client, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	books := exampleLibrary(ctx, client)
	f := exampleBookFields

	ops := []runtime.BulkOp[exampleBook]{
		runtime.InsertOp(&exampleBook{Title: "Dune", Tags: []string{"sf"}}),
		runtime.UpdateManyOp(f.Tags.Contains("lang"), f.Tags.AddToSet("programming")),
		runtime.DeleteOneOp(f.Title.Eq("CCC")),
	}
	var models []mongo.WriteModel
	for _, op := range ops {
		s, err := runtime.BulkSpecOf[exampleBook](op)
		if err != nil {
			log.Fatal(err)
		}
		// Here a generated repository stamps s.Doc or combines its stamps
		// into s.Update.
		models = append(models, s.WriteModel())
	}
	res, err := books.BulkWrite(ctx, models)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", runtime.NewBulkResult(res))
	fmt.Println(titles(ctx, books, f.Tags.Contains("programming")))
	// Output:
	// {InsertedCount:1 MatchedCount:2 ModifiedCount:2 DeletedCount:1 UpsertedCount:0}
	// [C++ Primer Go in Action]
}
