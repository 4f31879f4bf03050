package generator

import (
	"go/types"

	"github.com/mongotxgen/mongotxgen/generator/model"
)

// The model lifecycle of a collection type: its hook methods and what soft
// delete means for its unique indexes.

// hookNames are the methods the repository calls on a collection type's
// documents when the type has them, each with the signature
// func(ctx context.Context) error.
var hookNames = []string{"BeforeSave", "AfterLoad"}

// findHooks records the hook methods of named (value or pointer receiver)
// in t, refusing a method of a hook's name with another signature.
func (b *builder) findHooks(t *model.Type, named *types.Named) {
	methods := types.NewMethodSet(types.NewPointer(named))
	for _, name := range hookNames {
		sel := methods.Lookup(b.pkg, name)
		if sel == nil {
			continue
		}
		fn, _ := sel.Obj().(*types.Func)
		if fn == nil {
			continue
		}
		sig := fn.Signature()
		if !isHookSignature(sig) {
			b.errs.add(b.position(fn.Pos()), "method %s of %s has signature %s: a hook must be %s(ctx context.Context) error",
				name, t.Name, types.TypeString(sig, b.qualifier), name)
			continue
		}
		switch name {
		case "BeforeSave":
			t.BeforeSave = true
		case "AfterLoad":
			t.AfterLoad = true
		}
	}
}

// isHookSignature reports whether sig is func(context.Context) error.
func isHookSignature(sig *types.Signature) bool {
	if sig.Variadic() || sig.Params().Len() != 1 || sig.Results().Len() != 1 || sig.TypeParams().Len() > 0 {
		return false
	}
	p, ok := types.Unalias(sig.Params().At(0).Type()).(*types.Named)
	if !ok || p.Obj().Pkg() == nil || p.Obj().Pkg().Path() != "context" || p.Obj().Name() != "Context" {
		return false
	}
	return types.Identical(sig.Results().At(0).Type(), types.Universe.Lookup("error").Type())
}

// liveOnlyIndexes makes the unique indexes of a soft-deleted type hold
// only the documents not deleted, so that a deleted document's value can
// be taken again (a deleted member's email by a new sign-up). mongod
// cannot mix a partial filter with sparse, so a sparse unique index is
// refused on such a type.
func (tv *typeValidation) liveOnlyIndexes() {
	t := tv.t
	if t.Deleted == nil {
		return
	}
	for _, ix := range t.Indexes {
		if !ix.Unique {
			continue
		}
		if ix.Sparse {
			tv.b.errs.add(ix.Pos, "sparse unique index %s of soft-deleted type %s: its unique indexes hold only the documents not deleted (partialFilterExpression {%s: null}), which mongod cannot mix with sparse; drop sparse",
				ix.Name, t.Name, t.Deleted.BSONPath)
			continue
		}
		ix.LiveOnly = t.Deleted.BSONPath
	}
}
