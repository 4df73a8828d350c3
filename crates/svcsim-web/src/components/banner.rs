//! A dismissable banner for errors the learner should see (a scenario that
//! failed to load, loader warnings), instead of a silent console message.

use crate::app::Action;
use yew::prelude::*;

pub struct Props {
    pub message: String,
    pub act: Callback<Action>,
}

pub fn banner(p: &Props) -> Html {
    let dismiss = p.act.reform(|_: MouseEvent| Action::DismissError);
    html! {
        <div class="banner" role="alert" id="error-banner">
            <span class="banner-text">{ p.message.clone() }</span>
            <button type="button" onclick={dismiss} aria-label="Dismiss message">{ "✕" }</button>
        </div>
    }
}
