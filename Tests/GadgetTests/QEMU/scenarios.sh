#!/usr/bin/env bash
# Runs inside the test guest, chrooted into the computer's root (see init).
# One kernel plays both sides of the cable:
#   the board: gadget/aistick-gadget on dummy_udc.0 and `aistick serve`;
#   the computer: usb-storage's disk, mounted as vfat by an automounter that
#   behaves like a desktop's (it probes the disk every 2 s, unmounts when the
#   medium is gone, mounts with `flush` when it is back).
# Prints "aistick-e2e: ok - ..." / "not ok - ..." lines and a final "done".
set -uo pipefail
# shellcheck disable=SC1090
source "$1"
gadget_script=$checkout/gadget/aistick-gadget
lun=/sys/kernel/config/usb_gadget/aistick/functions/mass_storage.aistick/lun.0
image=/run/gadget/stick.img
mountpoint=/run/host
events=/run/automount.events
serve_log=/run/serve.log
passed=0
failed=0
serve_pid=""
automount_pid=""
asked_at=0
export MTOOLS_SKIP_CHECK=1

say() { echo "aistick-e2e: $*"; }
ok() { say "ok - $*"; passed=$((passed + 1)); }
not_ok() { say "not ok - $*"; failed=$((failed + 1)); }
check() {
  local name=$1
  shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
now() { date +%s%3N; }

# Polls COMMAND every 100 ms for up to SECONDS.
wait_until() {
  local seconds=$1 deadline
  shift
  deadline=$(($(now) + seconds * 1000))
  until "$@"; do
    [ "$(now)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# The usb-storage disk, whatever letter it got (a replug can change it).
disk() {
  local block
  for block in /sys/block/sd*; do
    [ -e "$block" ] && { echo "/dev/${block##*/}"; return; }
  done
}

is_mounted() { grep -q " $mountpoint " /proc/mounts; }
count_events() { grep -c "^$1" "$events" 2>/dev/null || true; }

# Like a desktop: media polling sees the change, udisks opens the disk, and
# mounts or lazily unmounts it. In "keep" mode the disk stays mounted
# through the change (a host that does not unmount), but is still opened,
# which makes the kernel drop what it cached.
automount() {
  local device present
  mkdir -p "$mountpoint"
  while [ -e /run/automount ]; do
    device=$(disk)
    present=0
    if [ -n "$device" ] && dd if="$device" of=/dev/null bs=512 count=1 2>/dev/null; then
      present=1
    fi
    if [ "$present" != "$(cat /run/automount.present 2>/dev/null)" ]; then
      echo "$present" >/run/automount.present
      if [ "$present" = 1 ]; then echo "back $(now)" >>"$events"; else echo "gone $(now)" >>"$events"; fi
    fi
    if [ "$(cat /run/automount)" = mount ]; then
      if is_mounted && [ "$present" = 0 ]; then
        umount -l "$mountpoint" && echo "unmounted $(now)" >>"$events"
      elif ! is_mounted && [ "$present" = 1 ]; then
        mount -t vfat -o flush "$device" "$mountpoint" && echo "mounted $(now)" >>"$events"
      fi
    fi
    sleep 2
  done
}

start_serve() {
  # Absent for three of the automounter's 2 s polls: under emulation on a
  # loaded machine a shorter absence can fall between two polls.
  : >"$serve_log"
  "$aistick" serve --image "$image" --lun "$lun" --model "$model" --threads 2 --absent 6000 "$@" \
    >>"$serve_log" 2>&1 &
  serve_pid=$!
  wait_until 120 serve_has_started
}

serve_has_started() {
  grep -q "serving" "$serve_log" && return 0
  # Gone already: stop waiting (the caller reports it).
  kill -0 "$serve_pid" 2>/dev/null || return 0
  return 1
}

stop_serve() {
  [ -n "$serve_pid" ] || return 0
  kill -INT "$serve_pid" 2>/dev/null
  wait "$serve_pid"
  local status=$?
  serve_pid=""
  return "$status"
}

# Writes QUESTION into FILE on the mounted disk the way a person's editor
# and a careful host do (write, then sync), and records when sync returned.
ask() {
  local file=$1 question=$2
  # Counted before the question is written: the answer's remount may come
  # before the waiting starts when the machine is slow.
  seen_mounted=$(count_events mounted)
  seen_back=$(count_events back)
  printf '%s\n' "$question" >>"$mountpoint/$file" && sync
  asked_at=$(now)
}

answers_in() { grep -c '^--- end' "$mountpoint/$1" 2>/dev/null || echo 0; }

# Waits for the next remount (or, in keep mode, the medium coming back)
# until FILE holds COUNT answers; prints the milliseconds since `ask`.
wait_for_answer() {
  local file=$1 count=$2 kind=${3:-mounted} seen deadline
  deadline=$(($(now) + 300 * 1000))
  if [ "$kind" = back ]; then seen=$seen_back; else seen=$seen_mounted; fi
  while [ "$(now)" -lt "$deadline" ]; do
    if [ "$(count_events "$kind")" -gt "$seen" ]; then
      seen=$(count_events "$kind")
      if [ "$(answers_in "$file")" -ge "$count" ]; then
        echo $(($(now) - asked_at))
        return 0
      fi
    fi
    sleep 0.1
  done
  return 1
}

begins_with() {
  local file=$1 text=$2
  [ "$(head -c "${#text}" "$file")" = "$text" ]
}

finish() {
  stop_serve >/dev/null 2>&1
  rm -f /run/automount
  if [ "$failed" -gt 0 ]; then
    echo "--- aistick serve's log"
    tail -n 60 "$serve_log" 2>/dev/null
    echo "--- automounter events (ms), asked at $asked_at"
    cat "$events" 2>/dev/null
    echo "--- the disk"
    grep " $mountpoint " /proc/mounts
    ls -la "$mountpoint" 2>&1
    echo "--- the image"
    mdir -i "$image" :: 2>&1
    cat "$lun/file"
    echo "--- kernel messages"
    dmesg | tail -n 40
  fi
  say "done $passed passed, $failed failed"
  exit 0
}

# --- the board comes up ----------------------------------------------------
mkdir -p /run/gadget
cp "$base_image" "$image"
# The script mounts configfs itself when it is not mounted yet.
output=$("$gadget_script" --image "$image" --udc dummy_udc.0 up 2>&1)
check "aistick-gadget up on dummy_udc.0" test -d "$lun"
again=$("$gadget_script" --image "$image" up 2>&1)
check "a second up is harmless" grep -q "already up on dummy_udc.0" <<<"$again"
wait_until 60 test -n "$(disk)"
check "the computer sees the drive as a usb-storage disk" test -n "$(disk)"
[ -n "$(disk)" ] || { echo "$output"; finish; }
check "the disk is removable" test "$(cat "/sys/block/$(basename "$(disk)")/removable")" = 1
status=$("$gadget_script" status)
check "status shows the bound controller" grep -q "udc: dummy_udc.0 (configured)" <<<"$status"

probe=$("$aistick" probe 2>&1)
check "aistick probe finds the stick's mass-storage interface" \
  grep -q "mass storage (SCSI, bulk-only)" <<<"$probe"
check "aistick probe reads the serial and the speed" \
  grep -q "speed: high speed" <<<"$probe"
echo "$probe"

echo mount >/run/automount
automount &
automount_pid=$!
wait_until 60 is_mounted
check "the automounter mounts the disk as vfat" is_mounted

# A drive the computer has mounted is locked: a plain eject is refused with a clear sentence.
refused=$("$gadget_script" --image "$image" eject --soft 2>&1)
check "a locked LUN is explained" grep -q "the computer has locked the drive" <<<"$refused"

if start_serve && kill -0 "$serve_pid" 2>/dev/null; then ok "aistick serve starts"; else not_ok "aistick serve starts"; fi

# --- one question ----------------------------------------------------------
question="What is the capital of France? Answer in one word."
ask q1.txt "$question"
if elapsed=$(wait_for_answer q1.txt 1); then
  ok "the answer is in the file after the media change"
  say "time sync-to-answer (one question): $elapsed ms"
else
  not_ok "the answer is in the file after the media change"
  # Nothing after this can pass: say why now.
  finish
fi
check "the person's text is intact" begins_with "$mountpoint/q1.txt" "$question"

# --- a follow-up in the same file ------------------------------------------
ask q1.txt "And of Germany?"
if elapsed=$(wait_for_answer q1.txt 2); then
  ok "a follow-up is answered in the same file"
  say "time sync-to-answer (follow-up): $elapsed ms"
else
  not_ok "a follow-up is answered in the same file"
fi
check "both turns are kept" grep -q "And of Germany?" "$mountpoint/q1.txt"

# --- two files at once -----------------------------------------------------
printf '%s\n' "Name a colour." >"$mountpoint/q2.txt"
ask q3.txt "Name a fruit."
if elapsed=$(wait_for_answer q3.txt 1) \
  && { [ "$(answers_in q2.txt)" -ge 1 ] || wait_for_answer q2.txt 1 >/dev/null; }; then
  ok "two files saved together are both answered"
  say "time sync-to-answer (two files): $elapsed ms"
else
  not_ok "two files saved together are both answered"
fi

# --- a host that keeps the disk mounted through the eject ------------------
echo keep >/run/automount
sleep 2
ask q4.txt "Is the sky blue?"
if elapsed=$(wait_for_answer q4.txt 1 back); then
  ok "a host that keeps the disk mounted reads the answer"
  say "time sync-to-answer (kept mounted): $elapsed ms"
else
  not_ok "a host that keeps the disk mounted reads the answer"
fi
# Its in-memory FAT state is stale now: remount, as the automounter would on the next plug.
umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint"
echo "unmounted $(now)" >>"$events"
echo mount >/run/automount
wait_until 60 is_mounted
check "the remounted disk shows the answer" test "$(answers_in q4.txt)" -ge 1

# --- --refresh replug ------------------------------------------------------
stop_serve
check "aistick serve stops on SIGINT" test $? -eq 0
if start_serve --refresh replug && kill -0 "$serve_pid" 2>/dev/null; then ok "aistick serve --refresh replug starts"; else not_ok "aistick serve --refresh replug starts"; fi
ask q5.txt "Say hello."
if elapsed=$(wait_for_answer q5.txt 1); then
  ok "--refresh replug: the answer is there after the device comes back"
  say "time sync-to-answer (replug): $elapsed ms"
else
  not_ok "--refresh replug: the answer is there after the device comes back"
fi
check "the replugged device is bound again" \
  test "$(cat /sys/kernel/config/usb_gadget/aistick/UDC)" = dummy_udc.0
stop_serve

# --- the volume is clean, and down removes the gadget ----------------------
rm -f /run/automount
wait "$automount_pid"
umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint"
fsck_output=$(fsck.fat -n "$image" 2>&1)
fsck_status=$?
check "fsck.fat -n finds the volume clean" test "$fsck_status" -eq 0
[ "$fsck_status" -eq 0 ] || echo "$fsck_output"
for file in q1 q2 q3 q4 q5; do
  mtype -i "$image" "::$file.txt" >/dev/null 2>&1 || not_ok "$file.txt is on the image"
done
"$gadget_script" down >/dev/null 2>&1
check "aistick-gadget down removes the gadget" test ! -e /sys/kernel/config/usb_gadget/aistick

# --- the USB network link for the HTTP API ---------------------------------
host_network_interface() {
  local interface
  for interface in /sys/class/net/*; do
    case $(readlink "$interface/device/driver" 2>/dev/null) in
      */cdc_ncm) return 0 ;;
    esac
  done
  return 1
}
"$gadget_script" --name net --network ncm --image "$image" up >/dev/null 2>&1
wait_until 60 host_network_interface
check "--network ncm: the computer sees a network interface" host_network_interface
check "--network ncm: the board has its interface" \
  grep -q "network: ncm.net usb" <<<"$("$gadget_script" --name net status)"
"$gadget_script" --name net down >/dev/null 2>&1
check "down removes the network gadget" test ! -e /sys/kernel/config/usb_gadget/net
finish
