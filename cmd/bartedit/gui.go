package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	gioapp "gioui.org/app"
	"gioui.org/unit"
	"github.com/sqweek/dialog"

	"bartedit/app"
	"bartedit/canvas"
	"bartedit/ui"
)

// editFlags are the editor window's flags; the prompt and sampling flags
// set the panel's starting values.
type editFlags struct {
	gen        genFlags
	maxPixels  int64
	variations int
	feather    int
	blend      string
}

func init() {
	var fl editFlags
	commands = append(commands, &command{
		Name:      "edit",
		UsageLine: "[--model M.bart] [picture.png]",
		Short:     "open the editor window (what `bartedit` and `bartedit picture.png` do)",
		Long: `Edit opens the editor window, empty or with a PNG or JPEG picture. Plain
'bartedit' does the same, and so does 'bartedit picture.png' when the first
argument is an existing file rather than a command name. Paint a mask over
what should change, pick a class or type a prompt, and press Ctrl+Enter;
README.md ("The editor") lists every shortcut.`,
		Flags: func(fs *flag.FlagSet) {
			fl.gen.register(fs, true)
			fs.IntVar(&fl.variations, "variations", 1, "variations per run (1..8)")
			fs.IntVar(&fl.feather, "feather", 4, "feather width in pixels outside the mask")
			fs.StringVar(&fl.blend, "blend", "auto", blendFlagHelp)
			fs.Int64Var(&fl.maxPixels, "max-pixels", canvas.DefaultMaxPixels, "largest picture opened, in pixels (width*height)")
		},
		Run: func(ctx context.Context, std stdio, args []string) error {
			if len(args) > 1 {
				return usagef("at most one picture")
			}
			if _, err := parseBlend(fl.blend, false); err != nil {
				return err
			}
			path := ""
			if len(args) == 1 {
				path = args[0]
				if st, err := os.Stat(path); err != nil {
					return err
				} else if st.IsDir() {
					return fmt.Errorf("%s is a folder, not a picture", path)
				}
			}
			return runGUI(std, fl, path)
		},
	})
}

// guiArgs rewrites a command line that opens the window: none, or a first
// argument that names an existing file (not a command), becomes "edit".
func guiArgs(args []string) ([]string, bool) {
	if len(args) == 0 {
		return []string{"edit"}, true
	}
	for _, c := range commands {
		if c.Name == args[0] {
			return args, false
		}
	}
	if st, err := os.Stat(args[0]); err == nil && !st.IsDir() {
		return append([]string{"edit"}, args...), true
	}
	return args, false
}

// runGUI opens the window; it returns only on an error before the window
// opens (afterwards the process exits when the window closes).
func runGUI(std stdio, fl editFlags, path string) error {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display (DISPLAY and WAYLAND_DISPLAY are unset); the command-line tools work without one: see 'bartedit help'")
	}
	prefsPath, err := app.DefaultPrefsPath()
	var prefs app.Prefs
	if err == nil {
		if prefs, err = app.LoadPrefs(prefsPath); err != nil {
			fmt.Fprintf(std.Err, "bartedit: %v (using the defaults)\n", err)
		}
	}
	embedded, err := embeddedModels()
	if err != nil {
		return err
	}
	choice := fl.gen.model
	if choice == "" && prefs.Model != "" && hasModel(embedded, prefs.Model) {
		choice = prefs.Model // the model picked by hand last time
	}
	modelPath, emb, err := resolveModel(choice)
	if err != nil {
		return err
	}
	var data []byte
	if modelPath == "" {
		data = emb.Data()
	}
	eng, card, err := app.LoadEngine(modelPath, emb.Source(), data)
	if err != nil {
		return err
	}
	start, err := fl.settings(card)
	if err != nil {
		return err
	}
	prefs = sessionPrefs(prefs, fl.gen.model, emb)
	worker := app.NewWorker(eng, card)
	env := ui.Env{Runner: worker, Files: nativeDialogs{}, Settings: &start, Limits: canvas.Limits{MaxPixels: fl.maxPixels,
		Hint: "raise it with --max-pixels"}, Models: embeddedSource(embedded), Model: emb.Name, Prefs: &prefs}
	if prefsPath != "" {
		env.SavePrefs = func(p app.Prefs) error { return p.Save(prefsPath) }
	}
	if dir, err := app.DefaultRecoveryDir(); err == nil {
		env.Recovery = app.NewRecovery(dir)
	}
	ed := ui.New(env)
	if path != "" {
		ed.OpenPath(path)
	}
	ui.TuneSoftwareGL()
	go func() {
		w := new(gioapp.Window)
		w.Option(gioapp.Title(ed.Title()), gioapp.Size(unit.Dp(1280), unit.Dp(820)), gioapp.MinSize(unit.Dp(800), unit.Dp(500)))
		err := ui.Run(w, ed)
		code := 0
		if err != nil {
			fmt.Fprintf(std.Err, "bartedit: %v\n", err)
			code = 1
		}
		ed.AfterClose()
		worker.Close()
		os.Exit(code)
	}()
	gioapp.Main()
	return nil
}

// embeddedSource offers the embedded models in the editor's panel.
type embeddedSource []embeddedModel

func (s embeddedSource) Names() []string {
	names := make([]string, len(s))
	for i, e := range s {
		names[i] = e.Name
	}
	return names
}

func (s embeddedSource) Load(name string) (app.Runner, error) {
	for _, e := range s {
		if e.Name == name {
			eng, card, err := app.LoadEngine("", e.Source(), e.Data())
			if err != nil {
				return nil, err
			}
			return app.NewWorker(eng, card), nil
		}
	}
	return nil, fmt.Errorf("no embedded model %q", name)
}

func hasModel(list []embeddedModel, name string) bool {
	for _, e := range list {
		if e.Name == name {
			return true
		}
	}
	return false
}

// sessionPrefs is the editor's starting model choice. A model named with
// --model (an embedded name or a file) stays whatever picture opens, as if
// picked by hand, until Auto is clicked; the choice remembered on disk
// changes only when a button is clicked. Without --model, the remembered
// choice (or Auto).
func sessionPrefs(saved app.Prefs, flagModel string, emb embeddedModel) app.Prefs {
	switch {
	case flagModel == "":
	case emb.Name != "":
		saved.Model = emb.Name
	default:
		saved.Model = flagModel
	}
	return saved
}

// settings are the panel's starting values: the model's defaults, with
// what the flags set.
func (fl editFlags) settings(card app.Card) (app.Settings, error) {
	s := card.Defaults.Clone()
	g := fl.gen
	if g.class != "" {
		s.Class = g.class
	}
	s.Text, s.Seed, s.Variations, s.Feather = g.text, g.seed, fl.variations, fl.feather
	var err error
	if s.Seamless, err = parseBlend(fl.blend, s.Seamless); err != nil {
		return s, err
	}
	if s.Chain, err = perScale("--chain", g.chain, card.T, s.Chain, strconv.Atoi); err != nil {
		return s, err
	}
	if s.TopK, err = perScale("--top-k", g.topK, card.T, s.TopK, strconv.Atoi); err != nil {
		return s, err
	}
	parseTemp := func(v string) (float32, error) {
		f, err := strconv.ParseFloat(v, 32)
		return float32(f), err
	}
	if s.Temperature, err = perScale("--temperature", g.temperature, card.T, s.Temperature, parseTemp); err != nil {
		return s, err
	}
	if s.Variations < 1 || s.Variations > app.MaxVariations {
		return s, usagef("--variations must be 1..%d", app.MaxVariations)
	}
	return s, nil
}

// nativeDialogs are GTK dialogs through github.com/sqweek/dialog; the
// editor calls them only on its locked dialog goroutine.
type nativeDialogs struct{}

func (nativeDialogs) OpenFile(title string, filters []ui.FileFilter) (string, error) {
	b := dialog.File().Title(title)
	for _, f := range filters {
		b = b.Filter(f.Name, f.Exts...)
	}
	p, err := b.Load()
	return p, dialogErr(err)
}

func (nativeDialogs) SaveFile(title, suggested string, filters []ui.FileFilter) (string, error) {
	b := dialog.File().Title(title)
	for _, f := range filters {
		b = b.Filter(f.Name, f.Exts...)
	}
	if dir := filepath.Dir(suggested); dir != "." {
		b = b.SetStartDir(dir)
	}
	p, err := b.SetStartFile(filepath.Base(suggested)).Save()
	if err == nil && !strings.EqualFold(filepath.Ext(p), ".png") {
		p += ".png"
	}
	return p, dialogErr(err)
}

func (nativeDialogs) Ask(title, question string) bool {
	return dialog.Message("%s", question).Title(title).YesNo()
}

func dialogErr(err error) error {
	if errors.Is(err, dialog.ErrCancelled) {
		return ui.ErrCancelled
	}
	return err
}
