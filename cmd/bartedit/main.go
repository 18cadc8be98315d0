// Command bartedit is the ImageBART inpainting editor and its command line.
// Each subcommand is a value (see command); usage errors exit 2, runtime
// errors exit 1 with one line on stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
)

// command is one subcommand, shaped like the go command's.
type command struct {
	Name      string
	UsageLine string // arguments after the name
	Short     string
	Long      string
	// Flags registers the flags; Run gets what is left after parsing.
	Flags func(fs *flag.FlagSet)
	Run   func(ctx context.Context, std stdio, args []string) error
}

// stdio is where a command writes: results to Out, progress and notices to Err.
type stdio struct{ Out, Err io.Writer }

// usageError marks an error that is the caller's fault (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

var commands []*command

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		printUsage(stdout)
		return 0
	}
	args, _ = guiArgs(args)
	for _, c := range commands {
		if c.Name != args[0] {
			continue
		}
		fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.Usage = func() {
			fmt.Fprintf(stderr, "usage: bartedit %s %s\n\n%s\n", c.Name, c.UsageLine, strings.TrimSpace(c.Long))
			fs.PrintDefaults()
		}
		if c.Flags != nil {
			c.Flags(fs)
		}
		if err := fs.Parse(args[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		err := c.Run(ctx, stdio{stdout, stderr}, fs.Args())
		var ue usageError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "bartedit %s: %v\nrun 'bartedit %s --help' for usage\n", c.Name, err, c.Name)
			return 2
		default:
			fmt.Fprintf(stderr, "bartedit %s: %v\n", c.Name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "bartedit: unknown command %q\nrun 'bartedit help' for usage\n", args[0])
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "bartedit: inpainting with ImageBART\n\nusage: bartedit                  open the editor window\n"+
		"       bartedit picture.png      open the editor on a PNG or JPEG file\n"+
		"       bartedit <command> [arguments]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.Name, c.Short)
	}
	fmt.Fprintln(w, "\nrun 'bartedit <command> --help' for a command's flags")
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
