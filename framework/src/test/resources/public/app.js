console.log("spindle");
