/**
 * The names of the prompts a stock Asterisk has: the core English sound set (Debian's
 * asterisk-core-sounds-en 1.6.1, 568 names). A real Asterisk plays only these; a sound URI of
 * any other prompt ends its playback `failed` at once and the caller hears nothing, so the simulator
 * knows exactly these names (plus what a test adds) and tests check every prompt astbill and
 * asterisk-conf/ use against this set.
 */

/** Names without a directory, wrapped at 100 columns; then one list per directory. */
const TOP = `
activated added agent-alreadyon agent-incorrect agent-loggedoff agent-loginok agent-newlocation
agent-pass agent-user all-circuits-busy-now ascending-2tone astcc-followed-by-the-pound-key
at-tone-time-exactly auth-incorrect auth-thankyou basic-pbx-ivr-main beep beeperr call-forwarding
call-fwd-no-ans call-fwd-on-busy call-fwd-unconditional call-waiting calling cancelled
cannot-complete-as-dialed check-number-dial-again conf-adminmenu conf-adminmenu-162
conf-adminmenu-18 conf-adminmenu-menu8 conf-enteringno conf-errormenu conf-extended conf-full
conf-getchannel conf-getconfno conf-getpin conf-hasjoin conf-hasleft conf-invalid conf-invalidpin
conf-kicked conf-leaderhasleft conf-locked conf-lockednow conf-muted conf-noempty conf-nonextended
conf-now-muted conf-now-recording conf-now-unmuted conf-onlyone conf-onlyperson conf-otherinparty
conf-placeintoconf conf-roll-callcomplete conf-thereare conf-unlockednow conf-unmuted
conf-usermenu conf-usermenu-162 conf-userswilljoin conf-userwilljoin conf-waitforleader
confbridge-begin-glorious-a confbridge-begin-glorious-b confbridge-begin-glorious-c
confbridge-begin-leader confbridge-binaural-off confbridge-binaural-on confbridge-conf-begin
confbridge-conf-end confbridge-dec-list-vol-in confbridge-dec-list-vol-out
confbridge-dec-talk-vol-in confbridge-dec-talk-vol-out confbridge-has-joined confbridge-has-left
confbridge-inc-list-vol-in confbridge-inc-list-vol-out confbridge-inc-talk-vol-in
confbridge-inc-talk-vol-out confbridge-invalid confbridge-join confbridge-leave
confbridge-leave-in confbridge-leave-out confbridge-lock-extended confbridge-lock-in
confbridge-lock-no-join confbridge-lock-out confbridge-locked confbridge-menu-exit-in
confbridge-menu-exit-out confbridge-mute-extended confbridge-mute-in confbridge-mute-out
confbridge-muted confbridge-only-one confbridge-only-participant confbridge-participants
confbridge-pin confbridge-pin-bad confbridge-remove-last-in confbridge-remove-last-out
confbridge-removed confbridge-rest-list-vol-in confbridge-rest-list-vol-out
confbridge-rest-talk-vol-in confbridge-rest-talk-vol-out confbridge-there-are confbridge-unlocked
confbridge-unmuted de-activated demo-abouttotry demo-congrats demo-echodone demo-echotest
demo-enterkeywords demo-instruct demo-moreinfo demo-nogo demo-nomatch demo-thanks descending-2tone
dir-first dir-firstlast dir-instr dir-intro dir-intro-fn dir-last dir-multi1 dir-multi2 dir-multi3
dir-multi9 dir-nomatch dir-nomore dir-pls-enter dir-usingkeypad dir-welcome disabled
do-not-disturb enabled enter-num-blacklist entr-num-rmv-blklist extension feature-not-avail-line
for from-unknown-caller goodbye hello hello-world hours if-correct-press im-sorry
info-about-last-call invalid is is-in-use is-set-to location lowercase minute minutes
num-was-successfully number number-not-answering one-moment-please pbx-invalid pbx-invalidpark
pbx-parkingfailed pbx-transfer please-try-again please-try-call-later pls-hold-while-try
pm-invalid-option priv-callee-options priv-callpending priv-introsaved priv-recordintro
privacy-incorrect privacy-prompt privacy-thankyou privacy-to-blacklist-last-caller privacy-unident
queue-callswaiting queue-holdtime queue-less-than queue-minute queue-minutes
queue-periodic-announce queue-quantity1 queue-quantity2 queue-reporthold queue-seconds
queue-thankyou queue-thereare queue-youarenext removed screen-callee-options second seconds
simul-call-limit-reached something-terribly-wrong sorry sorry-youre-having-problems speed-dial
speed-dial-empty spy-agent spy-console spy-dahdi spy-h323 spy-iax spy-iax2 spy-jingle spy-local
spy-mgcp spy-misdn spy-mobile spy-nbs spy-sip spy-skinny spy-unistim spy-usbradio spy-zap
ss-noservice telephone-number time to-call-this-number to-extension to-listen-to-it to-rerecord-it
transfer tt-allbusy tt-monkeys tt-monkeysintro tt-somethingwrong tt-weasels
unidentified-no-callback uppercase vm-Cust1 vm-Cust2 vm-Cust3 vm-Cust4 vm-Cust5 vm-Family
vm-Friends vm-INBOX vm-Old vm-Urgent vm-Work vm-advopts vm-and vm-calldiffnum vm-changeto
vm-delete vm-deleted vm-dialout vm-duration vm-enter-num-to-call vm-extension vm-first vm-for
vm-forward vm-forward-multiple vm-forwardoptions vm-from vm-from-extension vm-from-phonenumber
vm-goodbye vm-helpexit vm-incorrect vm-incorrect-mailbox vm-instructions vm-intro
vm-invalid-password vm-invalidpassword vm-isonphone vm-isunavail vm-last vm-leavemsg vm-login
vm-mailboxfull vm-marked-nonurgent vm-marked-urgent vm-message vm-messages vm-minutes vm-mismatch
vm-msgforwarded vm-msginstruct vm-msgsaved vm-newpassword vm-newuser vm-next vm-no vm-nobodyavail
vm-nobox vm-nomore vm-nonumber vm-num-i-have vm-onefor vm-onefor-full vm-options vm-opts
vm-opts-full vm-passchanged vm-password vm-pls-try-again vm-press vm-prev vm-reachoper vm-rec-busy
vm-rec-name vm-rec-temp vm-rec-unv vm-received vm-record-prepend vm-reenterpassword vm-repeat
vm-review vm-review-nonurgent vm-review-urgent vm-saved vm-savedto vm-savefolder vm-savemessage
vm-saveoper vm-sorry vm-star-cancel vm-starmain vm-tempgreetactive vm-tempgreeting
vm-tempgreeting2 vm-tempremoved vm-then-pound vm-theperson vm-tmpexists vm-tocallback vm-tocallnum
vm-tocancel vm-tocancelmsg vm-toenternumber vm-toforward vm-tohearenv vm-tomakecall vm-tooshort
vm-toreply vm-torerecord vm-undelete vm-undeleted vm-unknown-caller vm-whichbox vm-youhave with
you-entered your
`;

/** Directory → the names in it (letters/a is `letters` → `a`). */
const IN_DIRECTORY: Readonly<Record<string, string>> = {
  dictate: `
    both_help enter_filename forhelp pause paused play_help playback playback_mode record record_help
    record_mode truncating_audio
  `,
  digits: `
    0 1 10 11 12 13 14 15 16 17 18 19 2 20 3 30 4 40 5 50 6 60 7 70 8 80 9 90 a-m at billion day-0
    day-1 day-2 day-3 day-4 day-5 day-6 dollars h-1 h-10 h-11 h-12 h-13 h-14 h-15 h-16 h-17 h-18 h-19
    h-2 h-20 h-3 h-30 h-4 h-40 h-5 h-50 h-6 h-60 h-7 h-70 h-8 h-80 h-9 h-90 h-billion h-hundred
    h-million h-thousand hundred million minus mon-0 mon-1 mon-10 mon-11 mon-2 mon-3 mon-4 mon-5 mon-6
    mon-7 mon-8 mon-9 oclock oh p-m pound star thousand today tomorrow yesterday
  `,
  followme: `
    call-from no-recording options pls-hold-while-try sorry status
  `,
  letters: `
    a ascii123 ascii124 ascii125 ascii126 ascii34 ascii36 ascii37 ascii38 ascii39 ascii40 ascii41
    ascii42 ascii44 ascii58 ascii59 ascii60 ascii62 ascii63 ascii91 ascii92 ascii93 ascii94 ascii95
    ascii96 asterisk at b c d dash dollar dot e equals exclaimation-point f g h i j k l m n o p plus q
    r s slash space t u v w x y z zed
  `,
  phonetic: `
    9_p a_p b_p c_p d_p e_p f_p g_p h_p i_p j_p k_p l_p m_p n_p o_p p_p q_p r_p s_p t_p u_p v_p w_p
    x_p y_p z_p
  `,
  silence: `
    1 10 2 3 4 5 6 7 8 9
  `,
};

const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== '');

/** Every core sound name, e.g. `vm-goodbye`, `digits/dollars`, `letters/a`, `silence/1`. */
export const CORE_SOUND_NAMES: ReadonlySet<string> = new Set([
  ...words(TOP),
  ...Object.entries(IN_DIRECTORY).flatMap(([dir, list]) => words(list).map((w) => `${dir}/${w}`)),
]);
