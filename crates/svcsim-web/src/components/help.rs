//! The `?` overlay: keyboard shortcuts and how to read the picture.

use crate::app::Action;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub act: Callback<Action>,
}

#[function_component(Help)]
pub fn help(p: &Props) -> Html {
    // Move focus into the dialog so Tab and Enter work there at once (the
    // `autofocus` attribute is ignored when something else has focus).
    let close_ref = use_node_ref();
    {
        let close_ref = close_ref.clone();
        use_effect_with((), move |_| {
            if let Some(b) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    let close = p.act.reform(|_: MouseEvent| Action::Help(false));
    let keys = [
        ("Space", "play / pause"),
        ("→", "step to the next simulated event (pauses)"),
        ("←", "go back 10 simulated seconds"),
        ("Shift + →", "go forward 10 simulated seconds"),
        ("?", "open this help"),
        ("Esc", "close this help"),
    ];
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="help-title" id="help"
            onclick={p.act.reform(|_: MouseEvent| Action::Help(false))}>
            // Clicks inside the dialog stay inside it; only the backdrop closes.
            <div class="dialog" onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <h2 id="help-title">{ "How to use svcsim" }</h2>
                <table class="keys">
                    <tbody>
                    { for keys.iter().map(|(k, what)| html! {
                        <tr><th scope="row"><kbd>{ *k }</kbd></th><td>{ *what }</td></tr>
                    }) }
                    </tbody>
                </table>
                <h3>{ "Reading the picture" }</h3>
                <ul>
                    <li>{ "Dots are packets. Violet: DNS; amber: TCP handshake (SYN, SYN-ACK); blue: requests; green: responses; red: resets. Replies run on a lane beside requests." }</li>
                    <li>{ "Hover over a packet to see its addresses before and after NAT, and the rules that decided its way." }</li>
                    <li>{ "Pods are coloured by Deployment; a new version is a different shade. A dashed outline is Pending or Terminating, orange is NotReady, red is CrashLoopBackOff, grey is on a lost node." }</li>
                    <li>{ "Click a pod, node or Service to break it: delete or crash pods, fail readiness, fail or drain nodes, scale, roll out, switch externalTrafficPolicy." }</li>
                    <li>{ "A coloured dashed ring around a pod is a NetworkPolicy that selects it (the legend under the picture names each colour; press one to read its rules). A connection a policy drops ends at the pod with a DROP label naming the policies; select a pod to see who can reach it." }</li>
                    <li>{ "Every action is recorded with its simulated time, so scrubbing back and playing again replays the same run." }</li>
                </ul>
                <button type="button" id="help-close" ref={close_ref} onclick={close}>{ "Close" }</button>
            </div>
        </div>
    }
}
