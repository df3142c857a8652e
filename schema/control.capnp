# The local control protocol (src/app/control_*.h): while `mhero run` holds a node, it is the one
# owner of the store and every other `mhero` command on that node is its client. The command
# sends its argv over `<node dir>/control.sock` (a Unix socket, mode 0600, same user only); the
# daemon runs the command in-process against its open node and streams the output back.
#
# Framing: each message is a 4-byte big-endian length, then one flat Cap'n Proto message
# (unpacked). Order: client ControlRequest -> daemon ControlReply.accepted (or .refused, then
# close) -> daemon stdout/stderr/prompt replies, the client answering each prompt with one
# ControlAnswer -> daemon ControlReply.exit, then close. Field numbers are never changed or reused.
@0xfa9675b092fc34c4;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mhero::schema");

struct ControlRequest {
  protocolVersion @0 :UInt32;      # 1. The daemon refuses any other (after an upgrade: restart it).
  build @1 :Text;                  # The client's mhero version, for the refusal message.
  argv @2 :List(Text);             # The command line as typed, without the program name.
  cwd @3 :Text;                    # The client's working directory: relative paths resolve there.
  dir @4 :Text;                    # The node directory the client resolved (absolute).
  stdoutTerminal @5 :Bool;         # The client's stdout is a terminal (isatty).
  stderrTerminal @6 :Bool;         # The client's stderr is a terminal (progress bars).
  stdinTerminal @7 :Bool;          # The client's stdin is a terminal.
  umask @8 :UInt32;                # The client's umask, for files the command creates.
}

struct ControlReply {
  union {
    accepted @0 :Text;             # The daemon's mhero version; the command starts.
    refused @1 :Text;              # Why the daemon will not run it (version, busy); nothing ran.
    stdout @2 :Data;               # Bytes for the client's stdout, in order.
    stderr @3 :Data;               # Bytes for the client's stderr, in order.
    prompt @4 :Prompt;             # The command asks a question; the client sends a ControlAnswer.
    exit @5 :Int32;                # The command ended with this exit code; the daemon closes.
  }
  struct Prompt {
    text @0 :Text;                 # Printed on the client's stderr before reading a line.
    secret @1 :Bool;               # Do not echo what is typed (passwords).
  }
}

struct ControlAnswer {
  text @0 :Text;                   # The line typed, without its newline.
  endOfInput @1 :Bool;             # stdin ended before a line was read.
}
