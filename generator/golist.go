package generator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// listedPackage is a package as go list -json describes it: the fields the
// generator reads.
type listedPackage struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string // base names, in Dir
	CgoFiles   []string
	Imports    []string
	ImportMap  map[string]string // import path in source → package's import path
	DepOnly    bool              // listed only as a dependency of a root
	Export     string            // file of export data (go list -export)
	Module     *struct{ GoVersion string }
	Error      *listError
}

// listError is a package's error in go list's output. Pos is "file:line:col"
// relative to the directory go list ran in, or "".
type listError struct {
	Pos string
	Err string
}

// errors returns p's error as a list, its message trimmed.
func (p *listedPackage) errors() []listError {
	if p.Error == nil {
		return nil
	}
	return []listError{{Pos: p.Error.Pos, Err: strings.TrimSpace(p.Error.Err)}}
}

// listFields are the fields goList asks for.
const listFields = "ImportPath,Name,Dir,GoFiles,CgoFiles,Imports,ImportMap,DepOnly,Export,Module,Error"

// goList runs go list -e -json in cfg's directory and environment, with
// cfg's build tags and the overlay file when not "". Without -export in
// args nothing is compiled: listing the packages a pattern names and their
// dependencies takes a few tens of milliseconds. An error is the go
// command's own failure (no go.mod, a broken go.work), with its message.
func goList(ctx context.Context, cfg *Config, overlay string, args ...string) ([]*listedPackage, error) {
	full := []string{"list", "-e", "-json=" + listFields, "-pgo=off"}
	if tags := strings.TrimSpace(cfg.Tags); tags != "" {
		full = append(full, "-tags="+tags)
	}
	if overlay != "" {
		full = append(full, "-overlay="+overlay)
	}
	full = append(full, args...)
	cmd := exec.CommandContext(ctx, "go", full...)
	cmd.Dir = cfg.Dir
	cmd.Env = cfg.Env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, errors.New(msg)
	}
	var pkgs []*listedPackage
	for dec := json.NewDecoder(&stdout); dec.More(); {
		p := new(listedPackage)
		if err := dec.Decode(p); err != nil {
			return nil, fmt.Errorf("reading go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// writeOverlay writes the go command's -overlay file replacing each file of
// contents by its bytes, and returns its name and a function removing what
// it wrote.
func writeOverlay(contents map[string][]byte) (string, func(), error) {
	dir, err := os.MkdirTemp("", "mongotxgen-overlay")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	replace := map[string]string{}
	i := 0
	for path, data := range contents {
		i++
		name := fmt.Sprintf("%s/%d.go", dir, i)
		if err := os.WriteFile(name, data, 0o644); err != nil {
			cleanup()
			return "", nil, err
		}
		replace[path] = name
	}
	js, err := json.Marshal(map[string]any{"Replace": replace})
	if err == nil {
		err = os.WriteFile(dir+"/overlay.json", js, 0o644)
	}
	if err != nil {
		cleanup()
		return "", nil, err
	}
	return dir + "/overlay.json", cleanup, nil
}
